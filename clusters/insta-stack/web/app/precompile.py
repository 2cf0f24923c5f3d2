# Byte-compiles the standard library, Debian's Python packages and the app once, at image build time.
import compileall
import sys
import sysconfig

folders = [sysconfig.get_path("stdlib"), "/usr/lib/python3/dist-packages", "/app"]
ok = all(compileall.compile_dir(d, quiet=1, workers=0) for d in folders)
sys.exit(0 if ok else 1)

// A server whose capacity is a cliff: it answers at most RATE requests in each second of the clock and 503 to
// the rest, at once (no queue, almost no CPU), so a busy neighbour cannot move where it breaks; /healthz always
// answers. Run as `node -e <this file> cliff-server PORT RATE` (cliff-service.ts runs it in the reference image).
const http = require('node:http');

const [port, rate] = process.argv.slice(-2).map(Number);
if (!(port > 0) || !(rate > 0)) {
  process.stderr.write('usage: node -e <cliff-server.js> cliff-server PORT RATE\n');
  process.exit(2);
}

// A fixed one-second window rather than a token bucket: above the rate, the share answered 503 is the excess from
// the first second on (a bucket's burst would hide it for a while); below it, arrivals a late generator sends in
// a bunch still fit, as long as one second's count stays under the rate.
let second = 0;
let answered = 0;

const server = http.createServer((req, res) => {
  req.resume();
  if (req.url === '/healthz') return res.end('ok');
  const now = Math.floor(Date.now() / 1000);
  if (now !== second) {
    second = now;
    answered = 0;
  }
  if (answered >= rate) {
    res.statusCode = 503;
    return res.end('over capacity');
  }
  answered++;
  res.end('ok');
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`cliff-server listening ${port}, ${rate} req/s\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

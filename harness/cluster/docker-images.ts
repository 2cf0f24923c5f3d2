// The image of a tier on one daemon that runs it: the reference image (built there once, then found by its
// content tag), a named image (found, loaded from another daemon of the cluster, or pulled), an image of
// Debian packages, or a folder built (on the image of its packages when it has some).
import { ClusterError, type Logger } from '../common';
import { buildTag, folderContext } from './build-context';
import type { ClusterDaemons } from './docker-daemons';
import type { ContainerEngine } from './engine';
import { buildContext, referenceRecipe } from './image';
import { type PackagesRecipe, packagesImageOn, resolvePackages } from './packages-image';
import type { TierSpec } from './model';

const MiB = 1024 * 1024;

/** The image of a tier on one daemon: built, found, loaded from another daemon or pulled; resolves with its ref. */
export type TierImage = (tier: TierSpec, engine: ContainerEngine) => Promise<string>;

export function tierImages(daemons: ClusterDaemons, log: Logger, baseImage: string): TierImage {
  async function tierImage(tier: TierSpec, engine: ContainerEngine): Promise<string> {
    if (tier.source.kind === 'reference') return ensureImage(engine);
    if (tier.source.kind === 'image') {
      const ref = tier.source.image;
      if (await engine.imageExists(ref)) return ref;
      // No registry assumed: an image that another daemon of the cluster holds is copied over from it.
      const holder = await daemons.daemonHolding(ref, engine);
      if (holder) {
        const started = Date.now();
        log.info(`tier ${tier.name}: loading image ${ref} from ${holder.daemon} onto ${engine.daemon}`);
        await engine.loadImage(await holder.exportImage(ref));
        log.info(`loaded ${ref} onto ${engine.daemon} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return ref;
      }
      log.info(`tier ${tier.name}: image ${ref} is not on ${engine.daemon}, pulling it`);
      try {
        await engine.pullImage(ref);
      } catch (err) {
        const why = (err as Error).message.replace(/^docker: /, '');
        throw new ClusterError(
          `tier ${tier.name}: image ${ref} is not on the Docker daemon ${engine.daemon} and pulling it failed: ${why}`,
          undefined,
          undefined,
          `load it there first (docker load / docker build -t ${ref}), or give the tier build: <folder with a Dockerfile>`,
        );
      }
      return ref;
    }
    if (tier.source.kind === 'packages') return packagesImage(tier.name, tier.source.packages, engine);
    const dir = tier.source.context;
    const base = tier.source.packages ? await packagesImage(tier.name, tier.source.packages, engine) : undefined;
    const tag = buildTag(tier.name, dir, base);
    if (await engine.imageExists(tag)) return tag; // same context as a build before: never rebuilt
    const started = Date.now();
    log.info(`tier ${tier.name}: building ${dir} as ${tag}${base ? ` on ${base}` : ''}`);
    try {
      await engine.buildImage(folderContext(dir), tag, base ? { BASE: base } : undefined);
    } catch (err) {
      const tail = err instanceof ClusterError ? err.logTail : undefined;
      const reason = (err as Error).message.split('\n')[0].replace(/^docker: /, '');
      throw new ClusterError(
        `tier ${tier.name}: building ${dir} on ${engine.daemon} failed: ${reason}`,
        `the build of ${tag}`,
        tail || undefined,
        `fix the Dockerfile in ${dir}; its last output lines are above`,
      );
    }
    log.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return tag;
  }

  // apt resolves each list of packages once per run, whatever the number of tiers and daemons using it.
  const recipes = new Map<string, Promise<PackagesRecipe>>();
  async function packagesImage(tier: string, packages: string[], engine: ContainerEngine): Promise<string> {
    const key = [...packages].sort().join(' ');
    let recipe = recipes.get(key);
    if (!recipe) {
      recipe = resolvePackages(tier, packages);
      recipes.set(key, recipe);
    }
    return packagesImageOn(engine, tier, await recipe, log);
  }

  let recipeOnce: ReturnType<typeof referenceRecipe> | undefined;
  /** The reference image on one daemon: built there once, then found by its content tag. */
  async function ensureImage(engine: ContainerEngine): Promise<string> {
    if (!recipeOnce) recipeOnce = referenceRecipe(baseImage);
    const recipe = recipeOnce;
    if (await engine.imageExists(recipe.tag)) return recipe.tag;
    const started = Date.now();
    const mb = recipe.files.reduce((s, f) => s + f.size, 0) / MiB;
    const how =
      baseImage === 'scratch'
        ? `offline, FROM scratch, ${recipe.files.length} files, ${mb.toFixed(0)} MiB`
        : `FROM ${baseImage}`;
    log.info(`building the reference image ${recipe.tag} on ${engine.daemon} (${how})`);
    await engine.buildImage(buildContext(recipe), recipe.tag);
    log.info(`built ${recipe.tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return recipe.tag;
  }

  return tierImage;
}

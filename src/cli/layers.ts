/**
 * The service layer, loaded on first use rather than imported: it brings drizzle, zod and the
 * SQLite driver, which `--help`, `--version` and a usage error never need. The program loads
 * it before a command's action runs (Session.prepare); from then on it is used synchronously.
 */
type ServicesModule = typeof import('../services/index.js');

let servicesModule: ServicesModule | undefined;

export async function loadServices(): Promise<ServicesModule> {
  servicesModule ??= await import('../services/index.js');
  return servicesModule;
}

export function loadedServices(): ServicesModule {
  if (!servicesModule) throw new Error('the service layer was used before loadServices() finished');
  return servicesModule;
}

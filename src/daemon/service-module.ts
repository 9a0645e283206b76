/**
 * Services of your own: `ringcast { service: /path/to/module.mjs }` names a JavaScript module
 * whose default export is a service (src/exec/service.ts's structure) or a function returning
 * one. ringcastd loads it at start, before the ring, and checks its shape here so that a mistake
 * is one clear line naming the module and what is wrong, not a TypeError in the middle of a ring.
 *
 * Optional parts are filled in: start, stop, onConfigChange and onConnectionClosed default to
 * doing nothing, handler names to their index. Ids 48 to 63 are for services of your own (0..7
 * are Corosync's, 32 the ordered log; the executive's table holds 64).
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExecHandler, LibHandler, Service, ServiceApi, ServiceSync } from '../exec/index.js';

export const USER_SERVICE_ID_MIN = 48;
export const USER_SERVICE_ID_MAX = 63;
/** Names clients give in their IPC hello; a service of your own must not shadow the built-in ones. */
export const RESERVED_SERVICE_NAMES: readonly string[] = ['cfg', 'cpg', 'orderlog', 'status', 'votequorum'];
const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** What a service module's factory is given. */
export interface ServiceModuleContext {
  readonly nodeId: number;
}

export class ServiceModuleError extends Error {
  readonly code = 'SERVICE_MODULE';
}

function isFunction(v: unknown): v is (...args: unknown[]) => unknown {
  return typeof v === 'function';
}

function handlers<T>(list: unknown, what: string, check: (h: Record<string, unknown>, where: string) => T): (T | undefined)[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ServiceModuleError(`${what} must be an array indexed by message id`);
  if (list.length > 0xffff) throw new ServiceModuleError(`${what} has ${list.length} entries, at most 65535`);
  return list.map((h, i) => {
    if (h === undefined || h === null) return undefined;
    if (typeof h !== 'object') throw new ServiceModuleError(`${what}[${i}] must be an object`);
    return check(h as Record<string, unknown>, `${what}[${i}]`);
  });
}

/** Checks a service object's shape and fills in the optional parts. */
export function checkService(value: unknown): Service {
  if (value === null || typeof value !== 'object') throw new ServiceModuleError('the module\'s default export must be a service object or a function returning one');
  const s = value as Record<string, unknown>;
  const id = s['id'];
  if (typeof id !== 'number' || !Number.isInteger(id) || id < USER_SERVICE_ID_MIN || id > USER_SERVICE_ID_MAX) {
    throw new ServiceModuleError(`id must be an integer from ${USER_SERVICE_ID_MIN} to ${USER_SERVICE_ID_MAX} (ids below are ringcast's and Corosync's), not ${JSON.stringify(id)}`);
  }
  const name = s['name'];
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ServiceModuleError(`name must be 1 to 32 characters of a-z, 0-9, - and _, starting with a letter, not ${JSON.stringify(name)}`);
  }
  if (RESERVED_SERVICE_NAMES.includes(name)) throw new ServiceModuleError(`name "${name}" is a built-in service's`);
  const libHandlers = handlers<LibHandler>(s['libHandlers'], 'libHandlers', (h, where) => {
    if (!isFunction(h['handle'])) throw new ServiceModuleError(`${where}.handle must be a function (request) => void`);
    return { name: typeof h['name'] === 'string' ? h['name'] : where, handle: (h['handle'] as LibHandler['handle']).bind(h) };
  });
  const execHandlers = handlers<ExecHandler>(s['execHandlers'], 'execHandlers', (h, where) => {
    if (!isFunction(h['decode'])) throw new ServiceModuleError(`${where}.decode must be a function (body, message) => { ok, value } or { ok: false, code, detail }`);
    if (!isFunction(h['apply'])) throw new ServiceModuleError(`${where}.apply must be a function (value, meta) => void`);
    return {
      name: typeof h['name'] === 'string' ? h['name'] : where,
      ...(h['sync'] === true ? { sync: true } : {}),
      decode: (h['decode'] as ExecHandler['decode']).bind(h),
      apply: (h['apply'] as ExecHandler['apply']).bind(h),
    };
  });
  if (libHandlers.length === 0) throw new ServiceModuleError('libHandlers is empty: a service no client can call does nothing');
  let sync: ServiceSync | undefined;
  if (s['sync'] !== undefined) {
    const y = s['sync'] as Record<string, unknown>;
    for (const f of ['init', 'process', 'activate', 'abort']) {
      if (!isFunction(y?.[f])) throw new ServiceModuleError(`sync.${f} must be a function (sync needs init, process, activate and abort)`);
    }
    sync = y as unknown as ServiceSync;
  }
  const call = (f: string) => (isFunction(s[f]) ? (s[f] as (...a: unknown[]) => void).bind(s) : () => {});
  for (const f of ['start', 'stop', 'onConfigChange', 'onConnectionClosed']) {
    if (s[f] !== undefined && !isFunction(s[f])) throw new ServiceModuleError(`${f} must be a function when given`);
  }
  return {
    id, name, libHandlers, execHandlers, ...(sync ? { sync } : {}),
    start: call('start') as (api: ServiceApi) => void,
    stop: call('stop') as () => void,
    onConfigChange: call('onConfigChange'),
    onConnectionClosed: call('onConnectionClosed'),
  };
}

/** Imports the module at `path` and returns its checked service; throws ServiceModuleError. */
export async function loadServiceModule(path: string, context: ServiceModuleContext): Promise<Service> {
  if (!isAbsolute(path)) throw new ServiceModuleError('the path must be absolute');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(path)) throw new ServiceModuleError('no such file');
    const hint = err instanceof SyntaxError && /export|import/.test(e.message) && !path.endsWith('.mjs')
      ? ' (a module with import/export must end in .mjs, or sit under a package.json with "type": "module")' : '';
    throw new ServiceModuleError(`cannot load it: ${e.message}${hint}`);
  }
  const exported = mod['default'];
  if (exported === undefined) throw new ServiceModuleError('it has no default export: export default a service object, or a function (context) => service');
  let value: unknown = exported;
  if (isFunction(exported)) {
    try {
      value = await exported(context);
    } catch (err) {
      throw new ServiceModuleError(`its default export threw: ${(err as Error).message}`);
    }
  }
  return checkService(value);
}

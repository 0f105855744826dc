/**
 * kill -9, in process: a provider that dies after its n-th call. From then on every call it is
 * asked to make never returns and never goes out — as if the process were gone — while the calls
 * already sent run on to completion in the cloud, as a killed process's requests do. The run
 * itself is abandoned, never awaited; whatever it wrote (a RUNNING record) stays.
 */
import type { CloudProvider } from "../../runtime/core/provider.js";
import type { StateStore } from "../../runtime/core/state.js";

export interface Crashable {
  provider: CloudProvider;
  /** Whether the process has "died". */
  readonly dead: boolean;
}

export function crashAfter(provider: CloudProvider, calls: number): Crashable {
  let made = 0;
  let dead = false;
  const never = new Promise<never>(() => undefined);
  const gate = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (dead || made >= calls) {
        dead = true;
        return never;
      }
      made += 1;
      return call(...args);
    };
  const store = provider.stateStore;
  const stateStore: StateStore = {
    location: store.location,
    read: gate((signal?: AbortSignal) => store.read(signal)),
    write: gate((state, condition, signal) => store.write(state, condition, signal)),
    remove: gate((signal?: AbortSignal) => store.remove(signal)),
    probeWrite: gate((signal?: AbortSignal) => store.probeWrite(signal)),
  };
  const wrapped: CloudProvider = {
    cloud: provider.cloud,
    stateStore,
    execute: gate((op, signal) => provider.execute(op, signal)),
    observe: gate((signal) => provider.observe(signal)),
    checkPermissions: gate((ops, signal) => provider.checkPermissions(ops, signal)),
    identity: gate((signal?: AbortSignal) => provider.identity(signal)),
    ...(provider.checkConfig ? { checkConfig: gate((signal: AbortSignal) => provider.checkConfig!(signal)) } : {}),
  };
  return {
    provider: wrapped,
    get dead() {
      return dead;
    },
  };
}

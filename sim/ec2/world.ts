import type { Topology } from "../topology.js";
import { IdGenerator } from "./ids.js";
import { seedState } from "./seed.js";
import { destinationText, interfaceHolding, type Ec2State } from "./state.js";
import { routeState } from "./route-state.js";

export interface Ec2WorldOptions {
  /** Clock of the versions kept for stale reads; defaults to Date.now. */
  now?: () => number;
  /** Seed of the IDs the world issues (association IDs, attachments); same seed, same IDs. */
  idSeed?: string;
  /** Versions older than this are dropped (the newest is always kept). Default 120 s. */
  historyWindowMs?: number;
  /** At most this many versions are kept. Default 512. */
  maxVersions?: number;
}

interface Version {
  /** Epoch ms from which this version is what EC2 answers. */
  at: number;
  state: Ec2State;
}

/**
 * The simulated EC2 of one account and Region. Every mutation produces a new version (a clone
 * edited as a draft and committed only if the action succeeds, so a failed call changes
 * nothing), kept for a while so Describe calls can be answered as of an earlier instant —
 * EC2's eventual consistency, injected by the fault layer as `readAsOf`.
 */
export class Ec2World {
  readonly region: string;
  readonly accountId: string;
  readonly topology: Topology;
  private readonly clock: () => number;
  private readonly ids: IdGenerator;
  private readonly historyWindowMs: number;
  private readonly maxVersions: number;
  private readonly versions: Version[];

  constructor(topology: Topology, options: Ec2WorldOptions = {}) {
    this.topology = topology;
    this.region = topology.region;
    this.accountId = topology.accountId;
    this.clock = options.now ?? Date.now;
    this.ids = new IdGenerator(options.idSeed ?? "ha-pair-sim");
    this.historyWindowMs = options.historyWindowMs ?? 120_000;
    this.maxVersions = Math.max(1, options.maxVersions ?? 512);
    const seededAt = this.clock();
    this.versions = [{ at: seededAt, state: seedState(topology, this.ids, new Date(seededAt).toISOString()) }];
  }

  now(): number {
    return this.clock();
  }

  newId(prefix: string): string {
    return this.ids.next(prefix);
  }

  /** The current state. Treat as read-only: change it only through `mutate`. */
  get state(): Readonly<Ec2State> {
    return this.versions[this.versions.length - 1]!.state;
  }

  /** The state EC2 answered at `epochMs`: the newest version committed at or before it (the oldest kept, if earlier). */
  stateAt(epochMs: number): Readonly<Ec2State> {
    for (let index = this.versions.length - 1; index >= 0; index--) {
      const version = this.versions[index]!;
      if (version.at <= epochMs) return version.state;
    }
    return this.versions[0]!.state;
  }

  /** A deep copy of the current state, safe to keep or edit. */
  snapshot(): Ec2State {
    return structuredClone(this.state) as Ec2State;
  }

  /** The instants at which the kept versions took effect, oldest first. */
  versionTimes(): number[] {
    return this.versions.map((version) => version.at);
  }

  /**
   * Runs `change` on a draft copy of the current state and commits the draft as a new version
   * only if it returns normally; a thrown error (including a DryRun answer) discards it.
   */
  mutate<T>(change: (draft: Ec2State) => T): T {
    const draft = this.snapshot();
    const result = change(draft);
    this.commit(draft);
    return result;
  }

  private commit(state: Ec2State): void {
    const at = this.clock();
    this.versions.push({ at, state });
    const horizon = at - this.historyWindowMs;
    // Keep the newest version older than the horizon: it is what a read at the horizon sees.
    while (this.versions.length > 1 && (this.versions.length > this.maxVersions || this.versions[1]!.at <= horizon)) {
      this.versions.shift();
    }
  }

  // Read helpers for tests and the demo; they always read the current state.

  whereIsPrivateIp(ip: string): string | null {
    return interfaceHolding(this.state, ip)?.id ?? null;
  }

  eipAssociation(allocationId: string): { networkInterfaceId: string; privateIp: string; associationId: string } | null {
    const association = this.state.addresses[allocationId]?.association;
    return association ? { ...association } : null;
  }

  routeTarget(routeTableId: string, destination: string): { networkInterfaceId?: string; gatewayId?: string; state: string } | null {
    const table = this.state.routeTables[routeTableId];
    const route = table?.routes.find(
      (candidate) => destinationText(candidate.destination).toLowerCase() === destination.toLowerCase(),
    );
    if (!route) return null;
    const state = routeState(this.state, route);
    switch (route.target.kind) {
      case "local":
        return { gatewayId: "local", state };
      case "gateway":
        return { gatewayId: route.target.gatewayId, state };
      case "networkInterface":
        return { networkInterfaceId: route.target.networkInterfaceId, state };
    }
  }
}

/**
 * The simulated Azure network resource provider's state: route tables, NICs, public IPs, and the
 * long-running operations that change them. Time is read lazily (settle() on every request): an
 * operation is InProgress until its end time, then Succeeded — no timers, so nothing keeps the
 * process alive and a test can advance nothing but the clock.
 *
 * What it enforces, as Microsoft.Network does:
 * - ETags change on every accepted write; If-Match that does not match → 412.
 * - A NIC with an operation in flight refuses another write: 409 AnotherOperationInProgress.
 * - A later PUT of a route table cancels the one in flight (its operation ends Canceled).
 * - One private IP on one NIC: an IP still held by another NIC — including one whose removal is
 *   still in flight — is refused with PrivateIPAddressInUse. A public IP on one ipConfiguration.
 * - A NIC keeps exactly one primary ipConfiguration, and it cannot be removed.
 * - A PUT replaces the resource: a writable property left out of the body is reset (gone), and
 *   read-only properties come from the server whatever the body says.
 */
import { randomUUID } from "node:crypto";
import { sameResource } from "../../runtime/azure/resource-id.js";

export type Json = Record<string, unknown>;

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface LroDurations {
  /** A route table update (seconds on Azure). */
  routeTableMs: number;
  /** A NIC update (a minute or more on the legacy control plane). */
  networkInterfaceMs: number;
}

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

export interface AsyncOperation {
  id: string;
  resourceId: string;
  startedAt: number;
  endsAt: number;
  status: OperationStatus;
  error?: { code: string; message: string };
}

interface Stored {
  /** The resource as the last accepted PUT left it (what GET shows). */
  body: Json;
  /** The content of the last operation that succeeded: what the network does now. */
  committed: Json;
  operation?: AsyncOperation;
}

const clone = <T>(value: T): T => structuredClone(value);
const key = (id: string) => id.toLowerCase();
const newEtag = () => `W/"${randomUUID()}"`;
const props = (resource: Json): Json => (resource.properties ??= {}) as Json;

type IpConfig = { name?: string; id?: string; etag?: string; type?: string; properties?: Json };

/** NIC properties only the server sets: a PUT's values for them are ignored. */
const NIC_READ_ONLY = ["provisioningState", "resourceGuid", "macAddress", "primary", "virtualMachine", "hostedWorkloads", "tapConfigurations", "vnetEncryptionSupported", "dscpConfiguration", "privateEndpoint", "privateLinkService"];
const ROUTE_TABLE_READ_ONLY = ["provisioningState", "resourceGuid", "subnets"];

export class AzureWorld {
  private readonly resources = new Map<string, Stored>();
  private readonly operations = new Map<string, AsyncOperation>();

  constructor(
    readonly durations: LroDurations,
    private readonly now: () => number = Date.now,
  ) {}

  /** Put a resource in place as provisioned (Succeeded), e.g. from a topology. */
  seed(resource: Json): void {
    const body = clone(resource);
    body.etag = newEtag();
    props(body).provisioningState = "Succeeded";
    if (body.type === "Microsoft.Network/networkInterfaces") this.decorateIpConfigs(body, String(body.id));
    if (body.type === "Microsoft.Network/routeTables") this.decorateRoutes(body, String(body.id));
    this.resources.set(key(String(body.id)), { body, committed: clone(body) });
  }

  /** Completes every operation whose time has come. */
  settle(): void {
    const now = this.now();
    for (const stored of this.resources.values()) {
      const op = stored.operation;
      if (!op || op.endsAt > now) continue;
      op.status = "Succeeded";
      props(stored.body).provisioningState = "Succeeded";
      for (const child of this.children(stored.body)) props(child).provisioningState = "Succeeded";
      stored.committed = clone(stored.body);
      stored.operation = undefined;
    }
  }

  get(resourceId: string): Json {
    this.settle();
    const stored = this.resources.get(key(resourceId));
    if (!stored) throw new ArmError(404, "ResourceNotFound", `The Resource '${resourceId.split("/providers/")[1]}' under resource group '${resourceId.split("/")[4]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    const body = clone(stored.body);
    if (body.type === "Microsoft.Network/publicIPAddresses") {
      const carrier = this.ipConfigHolding((c) => sameResource((c.properties?.publicIPAddress as { id?: string } | undefined)?.id, resourceId));
      if (carrier) props(body).ipConfiguration = { id: carrier.config.id };
      else delete props(body).ipConfiguration;
    }
    return body;
  }

  /**
   * The resources of one type under a scope (a subscription or resource group ID), as a list
   * call returns them: each as its GET would.
   */
  list(type: string, scope: string): Json[] {
    const prefix = `${key(scope).replace(/\/+$/, "")}/`;
    return [...this.resources.values()]
      .filter((s) => String(s.body.type).toLowerCase() === type.toLowerCase() && key(String(s.body.id)).startsWith(prefix))
      .map((s) => this.get(String(s.body.id)));
  }

  exists(resourceId: string): boolean {
    return this.resources.has(key(resourceId));
  }

  /** The committed (network-effective) content of a resource. */
  committed(resourceId: string): Json | undefined {
    this.settle();
    const stored = this.resources.get(key(resourceId));
    return stored ? clone(stored.committed) : undefined;
  }

  operation(id: string): AsyncOperation | undefined {
    this.settle();
    return this.operations.get(id);
  }

  /**
   * Another writer's change, applied at once (an operator's tag edit, another tool's PUT): the
   * resource gets a new etag, so a client's If-Match on the old one answers 412.
   */
  touch(resourceId: string, change: (resource: Json) => void): void {
    this.settle();
    const stored = this.resources.get(key(resourceId));
    if (!stored) throw new Error(`no resource ${resourceId}`);
    change(stored.body);
    stored.body.etag = newEtag();
    stored.committed = clone(stored.body);
  }

  /** All NIC and route table IDs, for tests. */
  ids(type: string): string[] {
    return [...this.resources.values()].map((s) => String(s.body.id)).filter((id) => id.toLowerCase().includes(`/${type.toLowerCase()}/`));
  }

  /**
   * Accept a PUT of an existing NIC or route table: validate it, store it (Updating) and start
   * its operation. Returns the stored body and the operation.
   */
  put(resourceId: string, body: Json, ifMatch: string | undefined): { body: Json; operation: AsyncOperation; created: boolean } {
    this.settle();
    const stored = this.resources.get(key(resourceId));
    if (!stored) throw new ArmError(404, "ResourceNotFound", `The Resource '${resourceId.split("/providers/")[1]}' was not found; the simulator updates existing resources only.`);
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== stored.body.etag) {
      throw new ArmError(412, "PreconditionFailed", `Precondition failed. The If-Match header value ${ifMatch} does not match the resource's current etag ${String(stored.body.etag)}.`);
    }
    const type = String(stored.body.type);
    const next = clone(body);
    next.id = stored.body.id;
    next.name = stored.body.name;
    next.type = type;
    if (next.location !== undefined && String(next.location).toLowerCase() !== String(stored.body.location).toLowerCase()) {
      throw new ArmError(400, "InvalidRequestContent", `location ${String(next.location)} does not match the resource's location ${String(stored.body.location)}; a resource cannot move.`);
    }
    next.location = stored.body.location;
    const readOnly = type === "Microsoft.Network/networkInterfaces" ? NIC_READ_ONLY : ROUTE_TABLE_READ_ONLY;
    for (const name of readOnly) {
      const value = props(stored.body)[name];
      if (value === undefined) delete props(next)[name];
      else props(next)[name] = clone(value);
    }
    if (type === "Microsoft.Network/networkInterfaces") {
      if (stored.operation) {
        throw new ArmError(409, "AnotherOperationInProgress", `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${stored.operation.id}.`, {
          "Retry-After": String(Math.max(1, Math.ceil((stored.operation.endsAt - this.now()) / 1000))),
        });
      }
      this.validateNic(resourceId, stored, next);
      this.decorateIpConfigs(next, resourceId);
    } else if (type === "Microsoft.Network/routeTables") {
      this.validateRoutes(next);
      this.decorateRoutes(next, resourceId);
      if (stored.operation) {
        // The earlier PUT loses: its operation ends Canceled, this one carries on from here.
        stored.operation.status = "Canceled";
        stored.operation.error = { code: "Canceled", message: "Operation was canceled: a later update of the route table replaced it." };
        stored.operation = undefined;
      }
    } else {
      throw new ArmError(405, "MethodNotAllowed", `The simulator does not update ${type}.`);
    }
    next.etag = newEtag();
    props(next).provisioningState = "Updating";
    for (const child of this.children(next)) props(child).provisioningState = "Updating";
    const duration = type === "Microsoft.Network/networkInterfaces" ? this.durations.networkInterfaceMs : this.durations.routeTableMs;
    const operation: AsyncOperation = { id: randomUUID(), resourceId: String(stored.body.id), startedAt: this.now(), endsAt: this.now() + duration, status: "InProgress" };
    this.operations.set(operation.id, operation);
    stored.body = next;
    stored.operation = operation;
    return { body: clone(next), operation, created: false };
  }

  private children(resource: Json): Json[] {
    const p = props(resource);
    return [...((p.ipConfigurations ?? []) as Json[]), ...((p.routes ?? []) as Json[])];
  }

  private decorateIpConfigs(nic: Json, nicId: string): void {
    for (const config of (props(nic).ipConfigurations ?? []) as IpConfig[]) {
      config.id = `${nicId}/ipConfigurations/${config.name}`;
      config.etag = String(nic.etag ?? newEtag());
      config.type = "Microsoft.Network/networkInterfaces/ipConfigurations";
      const p = (config.properties ??= {});
      p.privateIPAddressVersion ??= "IPv4";
      p.privateIPAllocationMethod ??= "Dynamic";
    }
  }

  private decorateRoutes(table: Json, tableId: string): void {
    for (const route of (props(table).routes ?? []) as IpConfig[]) {
      route.id = `${tableId}/routes/${route.name}`;
      route.etag = String(table.etag ?? newEtag());
      route.type = "Microsoft.Network/routeTables/routes";
      (route.properties ??= {}).hasBgpOverride ??= false;
    }
  }

  private validateRoutes(table: Json): void {
    const names = new Set<string>();
    for (const route of (props(table).routes ?? []) as IpConfig[]) {
      const p = route.properties ?? {};
      if (!route.name) throw new ArmError(400, "InvalidRequestFormat", "Every route needs a name.");
      if (names.has(route.name.toLowerCase())) throw new ArmError(400, "InvalidRequestFormat", `Route name ${route.name} is used twice.`);
      names.add(route.name.toLowerCase());
      if (p.nextHopType === "VirtualAppliance" && typeof p.nextHopIpAddress !== "string") {
        throw new ArmError(400, "InvalidNextHopIpAddress", `Route ${route.name} has next hop type VirtualAppliance and no nextHopIpAddress.`);
      }
    }
  }

  private validateNic(nicId: string, stored: Stored, next: Json): void {
    const configs = (props(next).ipConfigurations ?? []) as IpConfig[];
    if (configs.length === 0) throw new ArmError(400, "InvalidIPConfigCount", `Network interface ${nicId} must have at least one IP configuration.`);
    const before = (props(stored.body).ipConfigurations ?? []) as IpConfig[];
    const oldPrimary = before.find((c) => c.properties?.primary === true);
    if (oldPrimary && !configs.some((c) => c.name?.toLowerCase() === oldPrimary.name?.toLowerCase())) {
      throw new ArmError(400, "IpConfigDeleteNotSupported", `IP Configuration ${oldPrimary.name} is the primary IP configuration of ${nicId} and cannot be deleted.`);
    }
    const primaries = configs.filter((c) => c.properties?.primary === true);
    if (primaries.length !== 1) throw new ArmError(400, "InvalidIPConfigCount", `Network interface ${nicId} must have exactly one primary IP configuration (has ${primaries.length}).`);
    if (oldPrimary && primaries[0]!.name?.toLowerCase() !== oldPrimary.name?.toLowerCase()) {
      throw new ArmError(400, "IpConfigDeleteNotSupported", `The primary IP configuration of ${nicId} is ${oldPrimary.name}; it cannot change.`);
    }
    const seen = new Set<string>();
    for (const config of configs) {
      const name = config.name?.toLowerCase() ?? "";
      if (!name || seen.has(name)) throw new ArmError(400, "InvalidRequestFormat", `IP configuration names on ${nicId} must be present and unique (${config.name ?? "missing"}).`);
      seen.add(name);
      const p = config.properties ?? {};
      const ip = p.privateIPAddress as string | undefined;
      if (ip) {
        const holder = this.ipConfigHolding((c) => c.properties?.privateIPAddress === ip, nicId, true);
        if (holder) {
          throw new ArmError(400, "PrivateIPAddressInUse", `IP configuration ${nicId}/ipConfigurations/${config.name} is using the private IP address ${ip} which is already allocated to resource ${holder.config.id}.`);
        }
      }
      const publicIp = (p.publicIPAddress as { id?: string } | undefined)?.id;
      if (publicIp) {
        if (!this.resources.has(key(publicIp))) throw new ArmError(400, "InvalidResourceReference", `Resource ${publicIp} referenced by ${nicId}/ipConfigurations/${config.name} was not found.`);
        const holder = this.ipConfigHolding((c) => sameResource((c.properties?.publicIPAddress as { id?: string } | undefined)?.id, publicIp), nicId, true);
        if (holder) throw new ArmError(400, "PublicIPAddressInUse", `Public IP address ${publicIp} is in use by ${holder.config.id}; it can be attached to one IP configuration only.`);
      }
    }
  }

  /** The ipConfiguration of another NIC matching `test`, in its accepted or (if `committedToo`) still-effective content. */
  private ipConfigHolding(test: (config: IpConfig) => boolean, exceptNic?: string, committedToo = false): { nicId: string; config: IpConfig } | undefined {
    for (const stored of this.resources.values()) {
      if (stored.body.type !== "Microsoft.Network/networkInterfaces" || sameResource(String(stored.body.id), exceptNic)) continue;
      const views = committedToo ? [stored.body, stored.committed] : [stored.body];
      for (const view of views) {
        const found = ((props(view).ipConfigurations ?? []) as IpConfig[]).find(test);
        if (found) return { nicId: String(stored.body.id), config: found };
      }
    }
    return undefined;
  }
}

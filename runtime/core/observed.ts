/**
 * Where the pair's movable things point now, as read from the cloud. Only the resources the
 * config names are read; the provider batches the reads by resource type (one verification wave).
 */
export interface ObservedState {
  /** Moving private IP -> the interface that holds it now (null: on no interface). */
  privateIps: Record<string, string | null>;
  /** Allocation ID -> what the EIP is associated with now (null: not associated). */
  elasticIps: Record<string, { networkInterfaceId: string | null; privateIp: string | null } | null>;
  /** routeKey(routeTableId, destination) -> the route's target now (null: no such route). */
  routes: Record<string, { networkInterfaceId: string | null; target: string; state: string } | null>;
  /** Association mode: subnet ID -> the route table it is associated with now (null: none of those read). */
  subnetRouteTables?: Record<string, { routeTableId: string; associationId: string } | null>;
  /** Association mode: each twin table's routes as read, for drift between the twins (null: the table was not found). */
  twinTables?: Record<string, ObservedRouteTable | null>;
}

/** A route table as read: every route (with its target as EC2 names it) and the VGWs propagating into it. */
export interface ObservedRouteTable {
  routes: { destination: string; target: string; state: string; origin?: string }[];
  propagatingVgws: string[];
}

export function routeKey(routeTableId: string, destination: string): string {
  return `${routeTableId} ${destination}`;
}

import type { Ec2State, RouteRecord } from "./state.js";

/**
 * A route to an interface is active while the interface exists and is attached to an instance;
 * otherwise traffic is dropped and EC2 shows the route as blackhole.
 */
export function routeState(state: Readonly<Ec2State>, route: RouteRecord): "active" | "blackhole" {
  if (route.target.kind !== "networkInterface") return "active";
  const eni = state.networkInterfaces[route.target.networkInterfaceId];
  return eni?.attachment ? "active" : "blackhole";
}

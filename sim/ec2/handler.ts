import { ADDRESS_ACTIONS } from "./addresses.js";
import {
  allowAll,
  dryRunOperation,
  unauthorizedOperation,
  type ActionContext,
  type Authorizer,
  type Caller,
  type Ec2Action,
} from "./context.js";
import { Ec2Error } from "./errors.js";
import { INSTANCE_ACTIONS } from "./instances.js";
import { NETWORK_INTERFACE_ACTIONS } from "./network-interfaces.js";
import { QueryParams } from "./params.js";
import { ROUTE_TABLE_ACTIONS } from "./route-tables.js";
import type { Ec2State } from "./state.js";
import { TAG_ACTIONS } from "./tags.js";
import { VPC_ENDPOINT_ACTIONS } from "./vpc-endpoints.js";
import { VPC_ACTIONS } from "./vpcs.js";
import type { Ec2World } from "./world.js";
import { errorXml, successXml } from "./xml.js";

export interface Ec2Request {
  /** The decoded Query body (Action=...&Version=...&...). */
  params: URLSearchParams;
  caller: Caller;
  /** When set, Describe* calls answer from the state as it was at this epoch-ms instant (a stale read injected by the fault layer). */
  readAsOf?: number;
  requestId: string;
}

export interface Ec2Response {
  status: number;
  /** XML */
  body: string;
}

const ACTIONS: ReadonlyMap<string, Ec2Action> = new Map(
  [...NETWORK_INTERFACE_ACTIONS, ...ADDRESS_ACTIONS, ...ROUTE_TABLE_ACTIONS, ...INSTANCE_ACTIONS, ...TAG_ACTIONS, ...VPC_ACTIONS, ...VPC_ENDPOINT_ACTIONS].map(
    (action) => [action.name, action],
  ),
);

/** The actions implemented here that change state (and so are throttled and fenced like writes). */
export const EC2_MUTATING_ACTIONS: ReadonlySet<string> = new Set(
  [...ACTIONS.values()].filter((action) => action.mutating).map((action) => action.name),
);

/** Every action implemented here. */
export const EC2_ACTIONS: ReadonlySet<string> = new Set(ACTIONS.keys());

/** aws:TagKeys and aws:RequestTag/KEY of a request that carries tags (CreateTags, DeleteTags). */
function requestContext(params: QueryParams): { context?: Record<string, string[]> } {
  const tags = params.tags("Tag");
  if (tags.length === 0) return {};
  const context: Record<string, string[]> = { "aws:TagKeys": tags.map((tag) => tag.key) };
  for (const tag of tags) if (tag.value !== undefined) context[`aws:RequestTag/${tag.key}`] = [tag.value];
  return { context };
}

/**
 * Answers one EC2 Query API request. Synchronous: the world changes atomically per request.
 * Order of checks, as EC2 does it: parameters and existence of the named resources, then
 * authorization (403 UnauthorizedOperation), then DryRun (412 DryRunOperation), then the
 * action's state-dependent rules and its effect.
 */
export function handleEc2(world: Ec2World, request: Ec2Request, authorize: Authorizer = allowAll): Ec2Response {
  const actionName = request.params.get("Action");
  try {
    if (!actionName) throw new Ec2Error("MissingAction", "The request must contain the parameter Action");
    const action = ACTIONS.get(actionName);
    if (!action) throw new Ec2Error("InvalidAction", `The action ${actionName} is not valid for this web service.`);
    if (action.dryRun === false && request.params.has("DryRun")) {
      throw new Ec2Error("UnknownParameter", `The parameter DryRun is not recognized by ${action.name}.`);
    }
    const params = new QueryParams(request.params);
    const dryRun = params.bool("DryRun") ?? false;
    const run = (state: Ec2State) => {
      let authorized = false;
      const context: ActionContext = {
        action: action.name,
        params,
        state,
        caller: request.caller,
        newId: (prefix) => world.newId(prefix),
        authorize(resources) {
          authorized = true;
          const decision = authorize({ action: action.name, resources, caller: request.caller, region: world.region, ...requestContext(params) });
          if (!decision.allowed) {
            throw unauthorizedOperation(request.caller, action.name, decision.resourceArn ?? resources[0]?.arn, decision.reason);
          }
          if (dryRun) throw dryRunOperation();
        },
      };
      const body = action.run(context);
      if (!authorized) throw new Ec2Error("InternalError", `${action.name} completed without an authorization check`, 500);
      return body;
    };
    const body = action.mutating
      ? world.mutate(run)
      : run((request.readAsOf === undefined ? world.state : world.stateAt(request.readAsOf)) as Ec2State);
    return { status: 200, body: successXml(action.name, request.requestId, body) };
  } catch (error) {
    if (error instanceof Ec2Error) {
      return { status: error.httpStatus, body: errorXml(error.code, error.message, request.requestId) };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: errorXml("InternalError", `An internal error has occurred: ${message}`, request.requestId) };
  }
}

/**
 * EC2 errors with the codes and messages the real API answers, so the agent's error classification
 * is exercised against what it will meet in AWS.
 */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = "Ec2Error";
  }
}

export function missingParameter(parameter: string): Ec2Error {
  return new Ec2Error("MissingParameter", `The request must contain the parameter ${parameter}`);
}

export function invalidParameterValue(message: string): Ec2Error {
  return new Ec2Error("InvalidParameterValue", message);
}

export function invalidParameterCombination(message: string): Ec2Error {
  return new Ec2Error("InvalidParameterCombination", message);
}

/** How each resource type names itself in NotFound / Malformed errors. */
export interface ResourceKind {
  /** ID prefix: eni, eipalloc, rtb, ... */
  prefix: string;
  /** Error code stem: InvalidNetworkInterfaceID, InvalidAllocationID, ... */
  codeStem: string;
  /** Noun in the message: "networkInterface ID", "allocation ID", ... */
  noun: string;
}

export const KINDS = {
  networkInterface: { prefix: "eni", codeStem: "InvalidNetworkInterfaceID", noun: "networkInterface ID" },
  allocation: { prefix: "eipalloc", codeStem: "InvalidAllocationID", noun: "allocation ID" },
  routeTable: { prefix: "rtb", codeStem: "InvalidRouteTableID", noun: "routeTable ID" },
  instance: { prefix: "i", codeStem: "InvalidInstanceID", noun: "instance ID" },
  subnet: { prefix: "subnet", codeStem: "InvalidSubnetID", noun: "subnet ID" },
  vpc: { prefix: "vpc", codeStem: "InvalidVpcID", noun: "vpc ID" },
  prefixList: { prefix: "pl", codeStem: "InvalidPrefixListID", noun: "prefix list ID" },
  vpcEndpoint: { prefix: "vpce", codeStem: "InvalidVpcEndpointId", noun: "VpcEndpoint ID" },
} as const satisfies Record<string, ResourceKind>;

/** "The networkInterface ID 'eni-…' does not exist" / "The networkInterface IDs 'a, b' do not exist". */
export function notFound(kind: ResourceKind, ids: string[]): Ec2Error {
  const malformed = ids.find((id) => !new RegExp(`^${kind.prefix}-[0-9a-f]+$`).test(id));
  if (malformed !== undefined) {
    return new Ec2Error(`${kind.codeStem}.Malformed`, `Invalid id: "${malformed}" (expecting "${kind.prefix}-...")`);
  }
  const message =
    ids.length === 1
      ? `The ${kind.noun} '${ids[0]}' does not exist`
      : `The ${kind.noun}s '${ids.join(", ")}' do not exist`;
  return new Ec2Error(`${kind.codeStem}.NotFound`, message);
}

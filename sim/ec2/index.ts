/**
 * The EC2 part of the simulated AWS cloud: the state model (Ec2World) and the EC2 Query
 * protocol (handleEc2). The HTTP server, signing, throttling and fault injection live elsewhere
 * in sim/ and call into this.
 */
export { Ec2World, type Ec2WorldOptions } from "./world.js";
export { handleEc2, EC2_MUTATING_ACTIONS, EC2_ACTIONS, type Ec2Request, type Ec2Response } from "./handler.js";
export { allowAll, type AuthorizationDecision, type Authorizer, type Caller, type ResourceRef } from "./context.js";
export { EC2_XML_NAMESPACE } from "./xml.js";
export type {
  AddressRecord,
  Ec2State,
  InstanceRecord,
  NetworkInterfaceRecord,
  RouteRecord,
  RouteTableRecord,
  SubnetRecord,
  VpcRecord,
} from "./state.js";

/**
 * Association mode's moving part: which association currently binds each of the pair's subnets
 * to a route table. EC2 issues a new association ID on every ReplaceRouteTableAssociation, so an
 * ID is only good until the next swap — by this node, by the other node, or by a person. The
 * keeper learns the IDs from every read of the twin tables (the daemon's start-up and reconcile
 * observations), records the new ID each swap returns, and re-reads when EC2 answers
 * InvalidAssociationID.NotFound (someone swapped in between), then swaps once more.
 */
import { DescribeRouteTablesCommand, type EC2Client, type RouteTable } from "@aws-sdk/client-ec2";
import type { AwsAgentConfig as AgentConfig } from "../config/types.js";
import { HaPairError } from "../core/errors.js";
import type { ReplaceRouteTableAssociationOperation } from "../core/operations.js";
import type { CallListener } from "../core/provider.js";
import { tracked } from "./calls.js";
import { sendAssociationSwap } from "./ec2-operations.js";
import { awsErrorCode } from "./errors.js";

export const ASSOCIATION_NOT_FOUND = "InvalidAssociationID.NotFound";

export class SubnetAssociations {
  private readonly current = new Map<string, { associationId: string; routeTableId: string }>();
  private readonly subnetIds: string[];
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly ec2: EC2Client,
    config: AgentConfig,
    private readonly onCall: CallListener | undefined,
  ) {
    this.subnetIds = (config.routeTableAssociations ?? []).map((entry) => entry.subnetId);
  }

  /** Learn the current associations of the pair's subnets from route tables read for any reason. */
  learn(tables: readonly RouteTable[]): void {
    for (const table of tables) {
      for (const association of table.Associations ?? []) {
        const subnet = association.SubnetId;
        if (!subnet || !association.RouteTableAssociationId || !table.RouteTableId || !this.subnetIds.includes(subnet)) continue;
        if (association.AssociationState?.State && !["associated", "associating"].includes(association.AssociationState.State)) continue;
        this.current.set(subnet, { associationId: association.RouteTableAssociationId, routeTableId: table.RouteTableId });
      }
    }
  }

  /** The association ID known now, if any (no call). */
  known(subnetId: string): string | undefined {
    return this.current.get(subnetId)?.associationId;
  }

  /** Re-read every pair subnet's association in one call (concurrent callers share it). */
  refresh(signal: AbortSignal): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const output = await tracked(this.onCall, { service: "ec2", action: "DescribeRouteTables", target: this.subnetIds.join(",") }, () =>
          this.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: this.subnetIds }] }), { abortSignal: signal }),
        );
        for (const subnet of this.subnetIds) this.current.delete(subnet);
        this.learn(output.RouteTables ?? []);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** The subnet's current association ID: known, or read now. */
  async idFor(op: ReplaceRouteTableAssociationOperation, signal: AbortSignal): Promise<string> {
    const known = this.known(op.subnetId);
    if (known) return known;
    await this.refresh(signal);
    const found = this.known(op.subnetId);
    if (found) return found;
    throw notExplicitlyAssociated(op);
  }

  /** Swap the subnet onto the operation's table; re-read and swap once more if the ID was outdated. */
  async swap(op: ReplaceRouteTableAssociationOperation, signal: AbortSignal, target: string): Promise<{ attempts: number }> {
    let attempts = 0;
    for (let round = 0; ; round += 1) {
      const associationId = await this.idFor(op, signal);
      try {
        const output = await tracked(this.onCall, { service: "ec2", action: op.action, target }, () => sendAssociationSwap(this.ec2, op, associationId, signal));
        attempts += output.$metadata.attempts ?? 1;
        if (output.NewAssociationId) this.current.set(op.subnetId, { associationId: output.NewAssociationId, routeTableId: op.routeTableId });
        else this.current.delete(op.subnetId);
        return { attempts };
      } catch (err) {
        attempts += 1;
        if (awsErrorCode(err) !== ASSOCIATION_NOT_FOUND || round > 0) throw err;
        // Swapped by someone else since we learnt the ID: forget it, read the current one, try again.
        if (this.known(op.subnetId) === associationId) this.current.delete(op.subnetId);
      }
    }
  }
}

function notExplicitlyAssociated(op: ReplaceRouteTableAssociationOperation): HaPairError {
  return new HaPairError({
    code: "SubnetNotAssociated",
    errorClass: "permanent",
    message: `Subnet ${op.subnetId} has no explicit route table association (it uses its VPC's main route table), so there is no association to move onto ${op.routeTableId}.`,
    resource: op.subnetId,
    fix: `Associate the subnet with one of its twin tables once, e.g. \`aws ec2 associate-route-table --subnet-id ${op.subnetId} --route-table-id ${op.fromRouteTableId}\` (the stack does this when it provisions association mode), then trigger again.`,
  });
}

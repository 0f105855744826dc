/**
 * The non-secret settings of the AWS provider a component runs with, for the parts of it that
 * do not go through the AWS provider plugin (SourceDestCheckOff, a dynamic resource whose
 * provider runs in another process). Only what lets the AWS SDK find the same credentials is
 * taken — Region, profile, the role to assume, endpoint overrides — never a key, a secret or a
 * session token, so no credential reaches a resource's inputs, the state or a log.
 *
 * An explicit `aws.Provider` registers its configuration as its state: `region` and `profile`
 * are typed outputs; `assumeRoles` and `endpoints` are registered too (JSON-encoded, as every
 * nested provider setting is) but not declared on the class, so they are read by name.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AssumeRoleSettings } from "./source-dest-check.js";

export interface AwsProviderSettings {
  /** Undefined for the default provider (the dynamic provider reads the stack's aws:profile itself). */
  profile?: string;
  assumeRole?: AssumeRoleSettings;
  ec2Endpoint?: string;
  stsEndpoint?: string;
}

interface RegisteredProviderState {
  assumeRoles?: pulumi.Output<string | undefined>;
  endpoints?: pulumi.Output<string | undefined>;
  accessKey?: pulumi.Output<string | undefined>;
}

/** The AWS provider of a resource (explicit or inherited), or undefined for the default provider. */
export function awsProviderOf(resource: pulumi.Resource): aws.Provider | undefined {
  const provider = resource.getProvider("aws:ec2/networkInterface:NetworkInterface");
  return provider instanceof aws.Provider ? provider : undefined;
}

function parseList(text: string | undefined, where: string): Record<string, unknown>[] {
  if (text === undefined || text === "" || text === "null") return [];
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || parsed === undefined) return [];
  if (!Array.isArray(parsed)) throw new Error(`${where} is not a list`);
  return parsed.filter((x): x is Record<string, unknown> => x !== null && typeof x === "object");
}

/** Whether the provider has a static access key: only that fact leaves the (secret) value. */
function staticKeyGiven(state: RegisteredProviderState): pulumi.Output<boolean> {
  return pulumi.unsecret((state.accessKey ?? pulumi.output(undefined)).apply((key) => key !== undefined && key !== ""));
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The settings of `provider` that SourceDestCheckOff needs, for the component `owner`. Fails
 * (naming the provider and the fix) when the provider authenticates with static keys: those
 * cannot be handed over without storing them.
 */
export function awsProviderSettings(owner: string, provider: aws.Provider | undefined): pulumi.Output<AwsProviderSettings> {
  if (!provider) return pulumi.output({});
  const state = provider as unknown as RegisteredProviderState;
  return pulumi
    .all([provider.profile, state.assumeRoles ?? pulumi.output(undefined), state.endpoints ?? pulumi.output(undefined), staticKeyGiven(state)])
    .apply(([profile, assumeRolesJson, endpointsJson, staticKey]) => {
      const where = `AwsHaPair "${owner}": aws.Provider`;
      const roles = parseList(assumeRolesJson, `${where} assumeRoles`);
      if (staticKey && roles.length === 0) {
        throw new Error(
          `${where} authenticates with a static accessKey, which SourceDestCheckOff (a dynamic resource) could only use by storing it in its state; give the provider a profile or assumeRoles, or leave the keys to the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`,
        );
      }
      if (roles.length > 1) {
        throw new Error(`${where} assumeRoles chains ${roles.length} roles; SourceDestCheckOff assumes one: give the provider a profile whose credentials reach the last role of the chain, and that role alone in assumeRoles`);
      }
      const role = roles[0];
      const roleArn = str(role?.roleArn);
      const endpoints = Object.assign({}, ...parseList(endpointsJson, `${where} endpoints`)) as Record<string, unknown>;
      const settings: AwsProviderSettings = {
        ...(str(profile) ? { profile: str(profile)! } : {}),
        ...(roleArn
          ? { assumeRole: { roleArn, ...(str(role!.sessionName) ? { sessionName: str(role!.sessionName)! } : {}), ...(str(role!.externalId) ? { externalId: str(role!.externalId)! } : {}) } }
          : {}),
        ...(str(endpoints.ec2) ? { ec2Endpoint: str(endpoints.ec2)! } : {}),
        ...(str(endpoints.sts) ? { stsEndpoint: str(endpoints.sts)! } : {}),
      };
      return settings;
    });
}

/** SourceDestCheckOff's inputs that make it reach AWS as the component's provider does. */
export function sourceDestCheckConnection(settings: pulumi.Output<AwsProviderSettings>) {
  return {
    endpoint: settings.apply((s) => s.ec2Endpoint),
    stsEndpoint: settings.apply((s) => s.stsEndpoint),
    profile: settings.apply((s) => s.profile),
    assumeRole: settings.apply((s) => s.assumeRole),
  };
}

/**
 * classifyAwsError over the errors the SDK really throws: its ServiceException classes with
 * $metadata and $fault, Node's network errors, the handler's TimeoutError, the AbortError of
 * a cancelled call, and the credential chain's CredentialsProviderError.
 */
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { NoSuchBucket, NoSuchKey, S3ServiceException } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { classifyAwsError, cleanMessage } from "../runtime/aws/errors.js";
import { HaPairError } from "../runtime/core/errors.js";

const routeCtx = {
  action: "ReplaceRoute",
  target: "rtb-0ccccccccccccccc1 10.100.0.0/16",
  resourceArns: ["arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0ccccccccccccccc1"],
  region: "eu-west-1",
};

function ec2Error(name: string, status: number, message = `${name} happened`, attempts = 1): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    message,
    $metadata: { httpStatusCode: status, attempts, requestId: "req-1" },
  });
}

function s3Error(name: string, status: number, message = `${name} happened`): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", message, $metadata: { httpStatusCode: status, attempts: 1 } });
}

describe("classifyAwsError: permanent", () => {
  it("UnauthorizedOperation names the IAM action, the ARN, and `ha-pair preflight`; no encoded blob", () => {
    const err = classifyAwsError(
      ec2Error("UnauthorizedOperation", 403, "You are not authorized to perform this operation. Encoded authorization failure message: QUJDREVGR0hJSktMTU5PUA"),
      routeCtx,
    );
    expect(err).toBeInstanceOf(HaPairError);
    expect(err.errorClass).toBe("permanent");
    expect(err.code).toBe("UnauthorizedOperation");
    expect(err.httpStatus).toBe(403);
    expect(err.message).toContain("ec2:ReplaceRoute on rtb-0ccccccccccccccc1 10.100.0.0/16 was denied");
    expect(err.fix).toBe("Grant ec2:ReplaceRoute on arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0ccccccccccccccc1 to the node's role (see `ha-pair preflight`).");
    expect(err.describe()).not.toContain("QUJDREVGR0hJSktMTU5PUA");
  });

  it("S3 AccessDenied names s3:GetObject and explains the 403-for-missing-object case", () => {
    const err = classifyAwsError(s3Error("AccessDenied", 403, "Access Denied"), {
      action: "GetObject",
      target: "s3://b/k",
      resourceArns: ["arn:aws:s3:::b/k"],
    });
    expect(err.errorClass).toBe("permanent");
    expect(err.fix).toContain("Grant s3:GetObject on arn:aws:s3:::b/k");
    expect(err.fix).toContain("s3:ListBucket");
    expect(err.fix).toContain("kms:");
  });

  it("InvalidRoute.NotFound says the agent only replaces routes", () => {
    const err = classifyAwsError(ec2Error("InvalidRoute.NotFound", 400, "There is no route defined for '10.100.0.0/16' in the route table."), routeCtx);
    expect(err.errorClass).toBe("permanent");
    expect(err.message).toContain("the route 10.100.0.0/16 does not exist in rtb-0ccccccccccccccc1");
    expect(err.fix).toContain("the agent only replaces routes");
    expect(err.fix).toContain("/routes");
  });

  it.each([
    ["InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0' does not exist"],
    ["InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0' does not exist"],
    ["InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0' does not exist"],
    ["InvalidPrefixListID.NotFound", "The prefix list ID does not exist"],
  ])("%s: the config names a resource that does not exist in the region", (code, message) => {
    const err = classifyAwsError(ec2Error(code, 400, message), routeCtx);
    expect(err.errorClass).toBe("permanent");
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(err.fix).toBe("The config names a resource that does not exist in eu-west-1: fix the config or the region.");
  });

  it.each(["InvalidParameterValue", "InvalidParameterCombination", "MissingParameter", "InvalidNetworkInterfaceID.Malformed"])("%s is permanent and points at the config", (code) => {
    const err = classifyAwsError(ec2Error(code, 400), routeCtx);
    expect(err.errorClass).toBe("permanent");
    expect(err.fix).toContain("config");
  });

  it("Resource.AlreadyAssociated explains what AllowReassociation cannot take over", () => {
    const err = classifyAwsError(ec2Error("Resource.AlreadyAssociated", 400), { action: "AssociateAddress", target: "eipalloc-1" });
    expect(err.errorClass).toBe("permanent");
    expect(err.fix).toContain("AllowReassociation");
  });

  it.each(["AuthFailure", "SignatureDoesNotMatch", "RequestExpired", "InvalidClientTokenId"])("%s points at credentials and the clock", (code) => {
    const err = classifyAwsError(ec2Error(code, code === "AuthFailure" ? 401 : 403), routeCtx);
    expect(err.errorClass).toBe("permanent");
    expect(err.fix).toContain("clock");
  });

  it("missing credentials (the default chain found none)", () => {
    const e = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    const err = classifyAwsError(e, routeCtx);
    expect(err.errorClass).toBe("permanent");
    expect(err.code).toBe("CredentialsProviderError");
    expect(err.fix).toContain("instance profile");
  });

  it("NoSuchBucket and NoSuchKey (modeled S3 exceptions)", () => {
    const bucket = classifyAwsError(new NoSuchBucket({ message: "The specified bucket does not exist", $metadata: { httpStatusCode: 404 } }), { action: "PutObject", target: "s3://b/k" });
    expect(bucket.errorClass).toBe("permanent");
    expect(bucket.fix).toContain("/stateStore/bucket");
    const key = classifyAwsError(new NoSuchKey({ message: "The specified key does not exist.", $metadata: { httpStatusCode: 404 } }), { action: "GetObject", target: "s3://b/k" });
    expect(key.errorClass).toBe("permanent");
  });

  it("an unknown 4xx is permanent; an unknown non-HTTP error is permanent too", () => {
    expect(classifyAwsError(ec2Error("SomethingNew", 400), routeCtx).errorClass).toBe("permanent");
    expect(classifyAwsError(new TypeError("x is not a function"), routeCtx).errorClass).toBe("permanent");
    expect(classifyAwsError("a string", routeCtx).errorClass).toBe("permanent");
  });
});

describe("classifyAwsError: transient (what is left after the SDK's retries)", () => {
  it.each([
    ["RequestLimitExceeded", 503],
    ["Unavailable", 503],
    ["InternalError", 500],
    ["ServiceUnavailable", 503],
    ["SlowDown", 503],
  ])("%s (%d)", (code, status) => {
    const err = classifyAwsError(ec2Error(code, status, "x", 8), routeCtx);
    expect(err.errorClass).toBe("transient");
    expect(err.attempts).toBe(8);
    expect(err.message).toContain("after 8 attempts");
  });

  it("throttling gets the rate-limit fix", () => {
    expect(classifyAwsError(ec2Error("RequestLimitExceeded", 503), routeCtx).fix).toContain("rate limit");
  });

  it.each(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"])("Node network error %s", (code) => {
    const err = classifyAwsError(Object.assign(new Error(code === "ECONNRESET" ? "socket hang up" : `connect ${code}`), { code }), routeCtx);
    expect(err.errorClass).toBe("transient");
    expect(err.code).toBe(code);
  });

  it("the handler's TimeoutError", () => {
    const e = Object.assign(new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 3000 ms requestTimeout."), { name: "TimeoutError", code: "ETIMEDOUT" });
    expect(classifyAwsError(e, routeCtx)).toMatchObject({ errorClass: "transient", code: "TimeoutError" });
  });

  it("an unmodeled 5xx with $fault server", () => {
    expect(classifyAwsError(ec2Error("Weird", 502), routeCtx).errorClass).toBe("transient");
  });
});

describe("classifyAwsError: deadline", () => {
  it("the AbortError of a call cancelled by the failover deadline", () => {
    const e = Object.assign(new Error("Request aborted"), { name: "AbortError", $metadata: { attempts: 3 } });
    const err = classifyAwsError(e, routeCtx);
    expect(err.errorClass).toBe("deadline");
    expect(err.code).toBe("DeadlineExceeded");
    expect(err.message).toContain("ec2:ReplaceRoute on rtb-0ccccccccccccccc1 10.100.0.0/16");
  });
});

describe("no secrets in messages", () => {
  it("access key IDs, signatures and tokens are redacted", () => {
    const raw =
      "The request signature we calculated does not match. Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/ec2/aws4_request, Signature=0123abcd X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE aws_secret_access_key=wJalrXUtnFEMI";
    const err = classifyAwsError(ec2Error("SignatureDoesNotMatch", 403, raw), routeCtx);
    for (const secret of ["AKIAIOSFODNN7EXAMPLE", "0123abcd", "FQoGZXIvYXdzEXAMPLE", "wJalrXUtnFEMI"]) {
      expect(err.describe()).not.toContain(secret);
      expect(JSON.stringify(err.toJSON())).not.toContain(secret);
    }
    expect(cleanMessage("key ASIAXXXXXXXXXXXXXXXX in use")).toBe("key [redacted] in use");
  });

  it("a HaPairError passes through unchanged", () => {
    const e = new HaPairError({ code: "X", errorClass: "permanent", message: "m" });
    expect(classifyAwsError(e, routeCtx)).toBe(e);
  });
});

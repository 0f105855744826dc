import { AmbiguousPairError, DISCOVERERS, DiscoveryInputError, writeDiscovery } from "../../discovery/index.js";
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from "../errors.js";
import { dim, green, yellow } from "../output.js";
import { stringFlag, type Command } from "./types.js";

/** Component names the brownfield stack can use (a Pulumi resource name, kept to a safe subset). */
const COMPONENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export const discoverCommand: Command = {
  name: "discover",
  summary: "find a running pair (label tags, CFE declaration, Terraform state) and write what adopting it takes",
  usage:
    "ha-pair discover aws|azure [--label L] [--cfe DECL.json] [--tf-state STATE.json] --out DIR [--label-key K] [--nic-map-key K] [--self-ips-key K] [--node-a ID|NAME] [--name COMPONENT] [--json]\n" +
    "  aws:   [--vips-key K] [--state-bucket NAME] [--state-key KEY] [--region R]\n" +
    "  azure: [--subscription ID] [--resource-group RG] [--storage-account NAME] [--state-container C] [--state-blob B] [--arm-endpoint URL] [--imds-endpoint URL]",
  positionals: true,
  options: {
    label: { type: "string" },
    cfe: { type: "string" },
    "tf-state": { type: "string" },
    out: { type: "string" },
    "label-key": { type: "string" },
    "nic-map-key": { type: "string" },
    "vips-key": { type: "string" },
    "self-ips-key": { type: "string" },
    "node-a": { type: "string" },
    "state-bucket": { type: "string" },
    "state-key": { type: "string" },
    name: { type: "string" },
    region: { type: "string" },
    subscription: { type: "string" },
    "resource-group": { type: "string" },
    "storage-account": { type: "string" },
    "state-container": { type: "string" },
    "state-blob": { type: "string" },
    "arm-endpoint": { type: "string" },
    "imds-endpoint": { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values, positionals, out }) {
    const [cloud, ...extra] = positionals;
    if (!cloud || extra.length > 0) throw new UsageError(`discover takes exactly one cloud: ${Object.keys(DISCOVERERS).join(" | ")}`);
    const discoverer = DISCOVERERS[cloud];
    if (!discoverer) throw new UsageError(`discover ${cloud}: no discoverer for that cloud yet; available: ${Object.keys(DISCOVERERS).join(", ")}`);
    const dir = stringFlag(values, "out");
    if (!dir) throw new UsageError("--out DIR is required: the directory that receives agent-config.json, pair-args.json, import.json and ownership.json");
    const label = stringFlag(values, "label");
    const cfeFile = stringFlag(values, "cfe");
    const terraformStateFile = stringFlag(values, "tf-state");
    if (!label && !cfeFile && !terraformStateFile) throw new UsageError("say which pair: --label L (its label tag), --cfe DECL.json or --tf-state STATE.json (any combination)");
    const componentName = stringFlag(values, "name") ?? "pair";
    if (!COMPONENT_NAME.test(componentName)) throw new UsageError(`--name must be a letter then up to 62 letters, digits, _ or -, got "${componentName}"`);
    const flag = (name: string) => stringFlag(values, name);
    const optional = <K extends string>(key: K, value: string | undefined) => (value !== undefined ? ({ [key]: value } as Record<K, string>) : {});
    try {
      const result = await discoverer.discover({
        componentName,
        ...optional("label", label),
        ...optional("cfeFile", cfeFile),
        ...optional("terraformStateFile", terraformStateFile),
        ...optional("labelKey", flag("label-key")),
        ...optional("nicMapKey", flag("nic-map-key")),
        ...optional("vipsKey", flag("vips-key")),
        ...optional("selfIpsKey", flag("self-ips-key")),
        ...optional("nodeA", flag("node-a")),
        ...optional("stateBucket", flag("state-bucket")),
        ...optional("stateKey", flag("state-key")),
        ...optional("region", flag("region")),
        ...optional("subscriptionId", flag("subscription")),
        ...optional("resourceGroup", flag("resource-group")),
        ...optional("storageAccount", flag("storage-account")),
        ...optional("stateContainer", flag("state-container")),
        ...optional("stateBlob", flag("state-blob")),
        ...optional("armEndpoint", flag("arm-endpoint")),
        ...optional("imdsEndpoint", flag("imds-endpoint")),
      });
      const files = writeDiscovery(result, dir);
      if (out.json) {
        out.document({ ok: true, cloud: result.cloud, label: result.label, files, notes: result.notes, agentConfig: result.documents["agent-config.json"] });
      } else {
        for (const line of result.summary) out.line(line);
        for (const note of result.notes) out.line(yellow(`  note: ${note}`));
        for (const file of files) out.line(green(`  wrote ${file}`));
        out.line(dim(`  next: ha-pair validate ${files[0]}; read ownership.json before adopting (stacks/${cloud}-brownfield reads pair-args.json)`));
      }
      return EXIT_OK;
    } catch (err) {
      if (err instanceof AmbiguousPairError) {
        if (out.json) out.document({ ok: false, error: { code: "AmbiguousPair", message: err.message, label: err.label, problems: err.problems } });
        out.warn(`ha-pair discover: ${err.message}`);
        return EXIT_BAD_INPUT;
      }
      if (err instanceof DiscoveryInputError) {
        if (out.json) out.document({ ok: false, error: { code: "DiscoveryInput", message: err.message, file: err.file } });
        out.warn(`ha-pair discover: ${err.message}`);
        return EXIT_BAD_INPUT;
      }
      throw err;
    }
  },
};

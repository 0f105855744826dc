import { ConfigInvalidError, loadConfigFile } from "../../config/validate.js";
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from "../errors.js";
import { green } from "../output.js";
import { JSON_FLAG, type Command } from "./types.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "check an agent config against the schema and the pair rules; prints every error with its JSON path",
  usage: "ha-pair validate FILE [--json]",
  options: JSON_FLAG,
  positionals: true,
  async run({ positionals, out }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError("validate takes exactly one FILE");
    try {
      const config = loadConfigFile(file);
      if (out.json) out.document({ valid: true, file, label: config.label });
      else out.line(green(`${file}: valid agent config for pair "${config.label}"`));
      return EXIT_OK;
    } catch (err) {
      if (!(err instanceof ConfigInvalidError)) throw err;
      if (out.json) out.document({ valid: false, file, errors: err.errors, ...(err.omitted > 0 ? { omittedErrors: err.omitted } : {}) });
      else out.warn(err.message);
      return EXIT_BAD_INPUT;
    }
  },
};

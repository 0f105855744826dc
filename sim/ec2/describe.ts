import type { ActionContext, Ec2Action } from "./context.js";
import { applyFilters, selectByIds, type FilterTable } from "./filters.js";
import { paginate } from "./pagination.js";
import type { Ec2State, Tags } from "./state.js";
import type { XmlObject } from "./xml.js";

/**
 * The shape every paginated Describe action of EC2 shares: the named IDs must all exist
 * (NotFound otherwise, before authorization), then authorization (Describe* takes no resource),
 * then filters, then MaxResults/NextToken paging.
 */
export function describeAction<T extends { tags: Tags }>(spec: {
  name: string;
  /** The ID list parameter, e.g. "NetworkInterfaceId" (NetworkInterfaceId.1, .2, ...). */
  idParameter: string;
  resources: (state: Readonly<Ec2State>) => Record<string, T>;
  notFound: (missing: string[]) => Error;
  filters: FilterTable<T>;
  /** The response members for one page. */
  respond: (page: T[], state: Readonly<Ec2State>) => XmlObject;
}): Ec2Action {
  return {
    name: spec.name,
    mutating: false,
    run(context: ActionContext): XmlObject {
      const { params, state } = context;
      const selected = selectByIds(spec.resources(state), params.list(spec.idParameter), spec.notFound);
      const filters = params.filters();
      context.authorize([]);
      const { page, nextToken } = paginate(applyFilters(selected, filters, spec.filters, state, (resource) => resource.tags), params);
      return { ...spec.respond(page, state), nextToken };
    },
  };
}

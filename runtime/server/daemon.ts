import type { RequestListener, Server } from "node:http";
import { hostname } from "node:os";
import type { AddressInfo } from "node:net";
import type { DestinationStream } from "pino";
import { configDigest } from "../config/digest.js";
import type { AgentConfig, NodeId } from "../config/types.js";
import { NODE_IDS, timeBudgets } from "../config/types.js";
import { FailoverCoordinator, type FailoverTask, type TriggerSource } from "../core/coordinator.js";
import { inspectPair } from "../core/desired.js";
import { asHaPairError } from "../core/errors.js";
import { failover, prepareFailover, runFailover, type FailoverEvent, type FailoverReport } from "../core/executor.js";
import { describeOwner } from "../core/fencing.js";
import { planOperations } from "../core/operations.js";
import { planFailover } from "../core/planner.js";
import type { CloudProvider, NodeIdentity, PermissionCheck } from "../core/provider.js";
import { ReconcileLoop, stateRole, type ReconcileDecision, type ReconcileRound } from "../core/reconcile.js";
import type { CallRecorder } from "../core/recorder.js";
import { StateCache } from "../core/state-cache.js";
import { isStale } from "../core/state.js";
import { createApi, createStartingApi, taskView } from "./api.js";
import { listenOnLoopback } from "./listen.js";
import { PermissionCheckSchedule, type CheckOutcome } from "./permission-schedule.js";
import { createLogger, type Logger } from "./logger.js";
import { AgentMetrics } from "./metrics.js";
import { runRoleCommand } from "./role-command.js";
import { HTTP_LIMITS, LOOPBACK, PERMISSION_CHECK_TIMING, type AgentSettings } from "./settings.js";
import { AgentStartError, BearerToken } from "./token.js";
import { deadlineSignal } from "../core/deadline.js";
import { checkOwnershipAtStart } from "./ownership-check.js";

/** Larger plans are not checked off-path: each check spends EC2 mutating-call tokens (50 burst, 5/s). */
const MAX_CHECKED_OPERATIONS = 25;

export interface AgentDaemonOptions {
  configFile: string;
  config: AgentConfig;
  settings: AgentSettings;
  /** The cloud, as the one-shot commands build it; its calls are reported to `recorder`. */
  provider: CloudProvider & { close?(): void };
  recorder: CallRecorder;
  version: string;
  /** Where the JSON log lines go (stdout by default). */
  logDestination?: DestinationStream;
  /** Default: HA_PAIR_LOG_LEVEL, else info. */
  logLevel?: string;
}

export interface AgentDaemon {
  readonly url: string;
  readonly port: number;
  readonly node: NodeId;
  readonly coordinator: FailoverCoordinator;
  readonly log: Logger;
  /** Stop accepting, let a running failover finish (bounded by its deadline), close everything. */
  stop(reason?: string): Promise<void>;
}

/**
 * The long-running agent: keeps the provider, its credentials and connections warm and a
 * recent read of the state object, so a trigger goes straight to the fencing write; serves the
 * loopback API; runs the reconcile loop if configured.
 */
export async function startAgentDaemon(options: AgentDaemonOptions): Promise<AgentDaemon> {
  const { config, settings, provider, recorder } = options;
  if (settings.address !== LOOPBACK) throw new AgentStartError(`the API may only listen on ${LOOPBACK}`, `do not change the listen address`);
  // Refuse a bad token file before anything else: no cloud call from a daemon that cannot be secured.
  const token = BearerToken.fromFile(settings.tokenFile);
  const log = createLogger({ label: config.label }, options.logDestination, options.logLevel);
  const digest = configDigest(config);
  log.info({ event: "starting", version: options.version, configFile: options.configFile, configDigest: digest, tokenFile: settings.tokenFile }, "agent starting");

  // Bind before any cloud call: a port already in use (another agent, a bad --port) must stop
  // the start (exit 2, which the unit does not restart) without spending EC2's shared budget.
  // Until the daemon is ready it answers 503, and the trigger snippet runs the one-shot instead.
  let handler = createStartingApi(token, log);
  const server = await listenOnLoopback(settings.port, settings.http ?? HTTP_LIMITS, (request, response) => handler(request, response));
  log.info({ event: "bound", port: (server.address() as AddressInfo).port }, "port bound; answering 503 until started");
  try {
    return await serve(options, { token, log, server, digest, ready: (api) => (handler = api) });
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }
}

/** The daemon's start after its port is bound: who it is, warm-up, then the API takes over from the 503 answers. */
async function serve(options: AgentDaemonOptions, bound: { token: BearerToken; log: Logger; server: Server; digest: string; ready: (api: RequestListener) => void }): Promise<AgentDaemon> {
  const { config, settings, provider, recorder } = options;
  const { token, log, server, digest } = bound;
  const budgets = timeBudgets(config);
  const startedAt = new Date();
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK}:${actualPort}`;

  // Who we are: read once (an instance's identity does not change), also warming IMDS credentials.
  const identity: NodeIdentity = await provider.identity(deadlineSignal(budgets.deadlineMs));
  const node = NODE_IDS.find((n) => config.nodes[n].instanceId === identity.instanceId);
  if (!node) {
    throw new AgentStartError(
      `this instance (${identity.instanceId}) is neither node a (${config.nodes.a.instanceId}) nor node b (${config.nodes.b.instanceId}) of pair "${config.label}" in ${options.configFile}`,
      "run the agent on one of the pair's nodes, or fix nodes.a/b.instanceId in the config",
    );
  }
  const nodeLog = log.child({ node });
  await checkOwnershipAtStart(provider, deadlineSignal(budgets.deadlineMs), nodeLog);
  const owner = { instanceId: identity.instanceId, host: hostname() };
  const metrics = new AgentMetrics({ version: options.version, node, label: config.label, configDigest: digest });

  const cache = new StateCache(provider.stateStore, {
    intervalMs: settings.stateRefreshMs,
    requestMs: budgets.requestMs,
    onRead: (read) => metrics.state(read.stored?.state ?? null),
    onError: (err) => nodeLog.warn({ event: "state-read-failed", error: asHaPairError(err).toJSON() }, "reading the state object failed; the next trigger reads it first"),
  });

  // The permission precheck of this node's plan, made off the trigger path (at start, then on
  // the backed-off schedule of PermissionCheckSchedule) and handed to the fast path, so a trigger
  // never waits for it. Each check spends one token of EC2's mutating-call bucket per operation,
  // so large plans are not checked here (the failover itself would need those tokens).
  let permissionCheck: PermissionCheck[] | undefined;
  const ownOperations = planOperations(planFailover(config, node));
  const checkPermissions = async (): Promise<CheckOutcome> => {
    if (ownOperations.length === 0 || ownOperations.length > MAX_CHECKED_OPERATIONS) return "allowed";
    try {
      const checks = await provider.checkPermissions(ownOperations, deadlineSignal(budgets.deadlineMs));
      const denied = checks.filter((c) => c.denied);
      permissionCheck = checks;
      metrics.permissions(denied.length);
      if (denied.length > 0) {
        nodeLog.error({ event: "permission-denied", denied: denied.map((c) => ({ action: c.action, target: c.target, permission: c.permission, resource: c.resource })) }, `this node's role may not perform ${denied.length} operation(s) of its failover; a trigger would be refused before fencing. Run ha-pair preflight`);
        return "denied";
      }
      return "allowed";
    } catch (err) {
      nodeLog.warn({ event: "permission-check-failed", error: asHaPairError(err).toJSON() }, "the off-path permission check could not be made");
      return "failed";
    }
  };
  const permissionSchedule = new PermissionCheckSchedule(checkPermissions, settings.permissionCheck ?? PERMISSION_CHECK_TIMING);

  let coordinator: FailoverCoordinator;
  // Every API call: a metric, and a log line — at info while a failover runs, at debug for the routine state refreshes.
  recorder.subscribe((call) => {
    metrics.apiCall(call);
    const fields = { event: "api-call", service: call.service, action: call.action, target: call.target, ms: Math.round(call.ms), attempts: call.attempts, ok: call.ok, ...(call.errorCode ? { errorCode: call.errorCode } : {}), ...(call.check ? { check: true } : {}), ...(coordinator?.current ? { taskId: coordinator.current.id } : {}) };
    if (call.check) nodeLog.debug(fields, `${call.action} checked`);
    else if (!call.ok) nodeLog.warn(fields, `${call.action} ${call.errorCode ?? "failed"}`);
    else if (coordinator?.current) nodeLog.info(fields, `${call.action} ok`);
    else nodeLog.debug(fields, `${call.action} ok`);
  });

  const runTask = async (activate: NodeId, taskId: string, source: TriggerSource): Promise<FailoverReport> => {
    const taskLog = nodeLog.child({ taskId });
    const onEvent = (event: FailoverEvent) => {
      if (event.type === "phase-end") taskLog.info({ event: "phase", phase: event.phase, ms: Math.round(event.ms) }, `${event.phase} done`);
      else if (event.type === "operation" && !event.outcome.ok) taskLog.warn({ event: "operation", ...event.outcome }, `${event.outcome.action} ${event.outcome.target} failed`);
      else if (event.type === "verify") taskLog.debug({ event: "verify", differences: event.differences.length }, "verified");
    };
    const triggeredAt = performance.now();
    let runStartedAt = triggeredAt;
    const cached = cache.current;
    // A cached denial may be outdated (the role fixed since): then the slow path checks afresh.
    const checkDenied = activate === node && permissionCheck?.some((c) => c.denied) === true;
    // From here on, a refresh started earlier could carry a version older than our own writes.
    cache.pause();
    let report: FailoverReport;
    try {
      const runOptions = { recorder, owner, taskId, onEvent };
      if (cached && !checkDenied) {
        // Fast path: no read before the fencing write; an outdated read costs one re-read on 412.
        const permissions = activate === node && permissionCheck ? { permissions: permissionCheck } : {};
        const prepared = await prepareFailover(config, activate, provider, undefined, { stored: cached.stored, ...permissions });
        runStartedAt = performance.now();
        report = await runFailover(prepared, provider, runOptions);
      } else {
        report = await failover(config, activate, provider, runOptions);
      }
    } finally {
      cache.resume();
    }
    metrics.failover(report, source);
    const fields = {
      event: "failover-finished",
      source,
      activate,
      outcome: report.outcome,
      converged: report.converged,
      generation: report.generation,
      durationMs: Math.round(report.durationMs),
      totalMs: Math.round(report.totalMs),
      apiCalls: report.apiCalls,
      cachedRead: cached !== undefined,
      cacheAgeMs: cached ? Date.now() - cached.readAt : undefined,
      ...(cached ? { agentMs: agentTime(report, runStartedAt - triggeredAt) } : {}),
      ...(report.owner ? { owner: report.owner } : {}),
      ...(report.error ? { error: report.error } : {}),
    };
    if (report.converged) taskLog.info(fields, `failover to node ${activate} converged`);
    else taskLog.warn(fields, `failover to node ${activate}: ${report.outcome}`);
    return report;
  };

  coordinator = new FailoverCoordinator(runTask, {
    onStart: (task) => nodeLog.info({ event: "failover-started", taskId: task.id, activate: task.activate, source: task.source }, `failover to node ${task.activate} started (${task.source})`),
  });

  // Warm up off the critical path: the state read (S3 connection, credentials) and one
  // observation (EC2 connection), so the first trigger pays for neither.
  try {
    const read = await cache.refresh();
    nodeLog.info({ event: "state", generation: read.stored?.state.generation ?? null, activeNode: read.stored?.state.activeNode ?? null, taskState: read.stored?.state.taskState ?? null }, read.stored ? describeOwner(read.stored.state, new Date()) : "no state object yet");
  } catch {
    // Logged by the cache; triggers read the state first until a refresh succeeds.
  }
  // The write probe (a PutObject whose condition cannot hold; changes nothing) also says at once,
  // not at the first failover, when this node may not write the state.
  const warm = deadlineSignal(budgets.deadlineMs);
  await Promise.all([
    permissionSchedule.run(),
    provider.observe(warm).then(
      (observed) => nodeLog.info({ event: "placement", holder: inspectPair(config, observed).activeNode }, "observed the pair's placement"),
      (err: unknown) => nodeLog.warn({ event: "observe-failed", error: asHaPairError(err).toJSON() }, "observing the cloud failed at start; triggers will still try"),
    ),
    provider.stateStore.probeWrite(warm).then(
      () => undefined,
      (err: unknown) => nodeLog.error({ event: "state-write-denied", error: asHaPairError(err).toJSON() }, `this node cannot write ${provider.stateStore.location}: every failover would fail; run ha-pair preflight`),
    ),
  ]);

  let stopping: Promise<void> | undefined;
  const reset = async (force: boolean): Promise<{ status: number; body: unknown }> => {
    const running = coordinator.current;
    if (running) {
      return { status: 409, body: { error: { code: "FailoverRunning", message: `a failover is running on this agent (task ${running.id})`, where: "POST /reset", fix: "wait for it (GET /trigger), then reset" } } };
    }
    const store = provider.stateStore;
    const stored = await store.read(deadlineSignal(budgets.deadlineMs));
    const now = new Date();
    if (stored && stored.state.taskState === "RUNNING" && !isStale(stored.state, now) && !force) {
      return {
        status: 409,
        body: { error: { code: "FailoverRunning", message: `a failover is running (${describeOwner(stored.state, now)}); resetting now could let both nodes act at once`, where: store.location, fix: "wait for it, or pass {\"force\": true}" }, previous: stored.state },
      };
    }
    if (stored) {
      cache.pause();
      try {
        await store.remove(deadlineSignal(budgets.deadlineMs));
      } finally {
        cache.resume();
      }
    }
    nodeLog.info({ event: "reset", removed: stored !== null, previousGeneration: stored?.state.generation ?? null }, stored ? `removed ${store.location}` : "nothing to reset");
    return { status: 200, body: { reset: stored !== null, previous: stored?.state ?? null, location: store.location } };
  };

  const api = createApi(
    {
      trigger: (activate) => {
        const target = activate ?? node;
        const result = coordinator.trigger(target, "api");
        if (result.accepted && result.joined) nodeLog.info({ event: "trigger-joined", taskId: result.task.id, activate: target, triggers: result.task.triggers }, "trigger joined the running failover");
        if (!result.accepted) nodeLog.warn({ event: "trigger-refused", activate: target, running: result.running.id }, `a failover to node ${result.running.activate} is running; trigger for node ${target} refused`);
        return result;
      },
      lastTask: () => coordinator.last,
      inspect: async () => {
        const signal = deadlineSignal(budgets.deadlineMs);
        const [observed, read] = await Promise.all([provider.observe(signal), cache.refresh()]);
        return { label: config.label, node, ...inspectPair(config, observed), state: read.stored?.state ?? null };
      },
      info: () => {
        const read = cache.current;
        const state = read?.stored?.state;
        return {
          version: options.version,
          pid: process.pid,
          uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
          startedAt: startedAt.toISOString(),
          label: config.label,
          node,
          instanceId: identity.instanceId,
          configFile: options.configFile,
          configDigest: digest,
          listen: { address: LOOPBACK, port: actualPort },
          reconcile: settings.reconcile
            ? { enabled: true, program: settings.reconcile.roleCommand[0] ?? "state object", intervalSeconds: settings.reconcile.intervalMs / 1000, holdDownSeconds: settings.reconcile.holdDownMs / 1000, timeoutSeconds: settings.reconcile.timeoutMs / 1000, lastRound: lastRound ?? null }
            : { enabled: false },
          state: read ? (state ? { generation: state.generation, activeNode: state.activeNode, taskState: state.taskState, startedAt: state.startedAt, readAgeSeconds: Math.round((Date.now() - read.readAt) / 100) / 10 } : { generation: 0, activeNode: null }) : null,
          task: coordinator.last ? { id: coordinator.last.id, state: coordinator.last.state } : null,
        };
      },
      reset,
      metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
      stopping: () => stopping !== undefined,
    },
    token,
    nodeLog,
  );

  bound.ready(api);
  cache.start();

  // The level-triggered loop: only this node, only when its HA machinery says active.
  let lastRound: { at: string; decision: ReconcileDecision; role: string } | undefined;
  let lastLogged: string | undefined;
  const loop = settings.reconcile
    ? new ReconcileLoop(
        {
          config,
          node,
          provider,
          coordinator,
          readState: async () => (await cache.refresh()).stored,
          // No role command configured: the state object decides (reconcile.ts stateRole).
          role: settings.reconcile.roleCommand.length > 0
            ? () => runRoleCommand(settings.reconcile!.roleCommand, settings.reconcile!.timeoutMs)
            : stateRole(node, async () => (await cache.refresh()).stored),
          holdDownMs: settings.reconcile.holdDownMs,
        },
        settings.reconcile.intervalMs,
        (round: ReconcileRound) => {
          metrics.reconcileRound(round.decision);
          lastRound = { at: new Date().toISOString(), decision: round.decision, role: round.role.role };
          const fields = { event: "reconcile", decision: round.decision, role: round.role.role, roleDetail: round.role.detail, ...(round.differences ? { differences: round.differences.length, drift: round.differences.slice(0, 10) } : {}), ...(round.taskId ? { taskId: round.taskId } : {}), ...(round.outcome ? { outcome: round.outcome } : {}), ...(round.detail ? { detail: round.detail } : {}) };
          // A steady "nothing to do" every few seconds would drown the log: only changes (and every action) at info.
          const key = `${round.decision}/${round.role.role}`;
          const quiet = key === lastLogged && (round.decision === "standby" || round.decision === "in-place");
          lastLogged = key;
          const message = `reconcile: ${round.decision} (role ${round.role.role}: ${round.role.detail})`;
          // Drift between association mode's twin tables: every round, with the fix (a failover would carry it into effect).
          if (round.twinDrift?.length) nodeLog.warn({ event: "twin-table-drift", drift: round.twinDrift }, `reconcile: the twin route tables differ (${round.twinDrift.length} finding(s)); run ha-pair preflight`);
          if (round.decision === "role-unknown" || round.decision === "read-failed") nodeLog.warn(fields, message);
          else if (quiet) nodeLog.debug(fields, message);
          else nodeLog.info(fields, message);
        },
        (err) => nodeLog.error({ event: "reconcile-error", error: asHaPairError(err).toJSON() }, "reconcile round failed"),
      )
    : undefined;
  loop?.start();

  nodeLog.info(
    { event: "started", url, port: actualPort, instanceId: identity.instanceId, reconcile: settings.reconcile ? { intervalSeconds: settings.reconcile.intervalMs / 1000, holdDownSeconds: settings.reconcile.holdDownMs / 1000, program: settings.reconcile.roleCommand[0] ?? "state object" } : false, stateRefreshSeconds: settings.stateRefreshMs / 1000 },
    `agent for node ${node} of pair "${config.label}" listening on ${url}`,
  );

  const stop = (reason = "stop"): Promise<void> => {
    stopping ??= (async () => {
      nodeLog.info({ event: "stopping", reason, running: coordinator.current ? taskView(coordinator.current) : null }, `stopping (${reason})`);
      // Stop accepting; answer what is in flight; a running failover finishes (its deadline bounds it).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      cache.stop();
      permissionSchedule.stop();
      const bound = budgets.deadlineMs + budgets.requestMs * 2 + 1_000;
      await withTimeout(Promise.all([loop?.stop(), coordinator.idle()]), bound);
      server.closeAllConnections();
      await closed;
      provider.close?.();
      const last: FailoverTask | undefined = coordinator.last;
      nodeLog.info({ event: "stopped", lastTask: last ? { id: last.id, state: last.state } : null }, "stopped");
      log.flush();
    })();
    return stopping;
  };

  return { url, port: actualPort, node, coordinator, log: nodeLog, stop };
}

/**
 * The agent's own time on the critical path (not the cloud's): from the trigger to the fencing
 * write going out, and from the fencing answer to the first mutation going out. The target is a
 * few milliseconds each; the bench measures it, the log shows it for every failover.
 */
function agentTime(report: FailoverReport, beforeRunMs: number): { beforeFence: number; fenceToMutation?: number } | undefined {
  const fence = report.phases.find((p) => p.phase === "fence");
  const mutate = report.phases.find((p) => p.phase === "mutate");
  if (!fence) return undefined;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { beforeFence: round(beforeRunMs + fence.at), ...(mutate ? { fenceToMutation: round(mutate.at - fence.at - fence.ms) } : {}) };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

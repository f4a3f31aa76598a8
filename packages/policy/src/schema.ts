/** The Cedar namespace every Glovebox entity and action lives in. */
export const NAMESPACE = 'Glovebox';

/**
 * The `mfaAgeSec` a request carries when the user has never completed an MFA check. Large enough
 * that any freshness condition fails, small enough to stay exact in a JavaScript number.
 */
export const MFA_NEVER_SEC = 1_000_000_000;

/**
 * The Cedar schema the engine builds its requests for. A policy directory ships its own copy
 * (`*.cedarschema`); the loader refuses a schema the engine's requests do not conform to.
 */
export const GLOVEBOX_SCHEMA = `// Glovebox policy schema. See docs/policy.md for the meaning of every field.
namespace Glovebox {
  // Identity-provider or local groups; a user is "in" each of its groups.
  entity Group;
  entity User in [Group];

  // A registered target. Attributes come from its registration, never from the agent.
  // owner is absent when the registration names no owning team: "principal in resource.owner"
  // then needs "resource has owner" first, so an unowned target grants nothing by ownership.
  // Tags are the registration's key=value tags: resource.hasTag("k") && resource.getTag("k") == "v".
  entity Target = {
    env: String,
    owner?: Group,
  } tags String;

  // The gateway itself, the resource of administrative actions.
  entity Gateway;

  type RequestContext = {
    // Free-text justification; "" when none was given.
    reason: String,
    ticket?: String,
    // Seconds since the principal's last successful MFA check; 1000000000 when never.
    mfaAgeSec: Long,
    breakGlass: Bool,
    // Wall-clock hour (0-23) and weekday (0 = Sunday) in the target's time zone.
    localHour: Long,
    weekday: Long,
    // Who asked for the access request or owns the session; the principal itself otherwise.
    requester: User,
    // Guardrail facts computed by the gateway and agents (commands, SQL).
    commandClass?: String,
    command?: String,
    sqlClass?: String,
    sqlTables?: Set<String>,
    sqlSchemas?: Set<String>,
    sqlFunctions?: Set<String>,
    sqlDeleteWithoutWhere?: Bool,
    requestedDurationSec?: Long,
    // Users whose approval counted for the request or session decided on (approve, watch, end);
    // absent when the decision is about no session.
    approvers?: Set<User>,
  };

  // Action groups for policy scopes: action in Glovebox::Action::"inspect".
  action inspect, debug;

  action facts, snapshot, logpoint, eval, profile, heapstats in [inspect, debug]
    appliesTo { principal: User, resource: Target, context: RequestContext };
  // A heap snapshot copies the whole memory of the process (redacted): it has its own policies.
  action heapsnapshot in [debug]
    appliesTo { principal: User, resource: Target, context: RequestContext };
  action exec, query in [debug]
    appliesTo { principal: User, resource: Target, context: RequestContext };
  // watch: follow a session's live output (its owner always may).
  action request, approve, end, watch
    appliesTo { principal: User, resource: Target, context: RequestContext };
  action administer, readAudit
    appliesTo { principal: User, resource: Gateway, context: RequestContext };
  // Policy deployment: push or roll back a bundle, approve someone's push, replay recorded
  // decisions against a proposed bundle; and a CI provider's token exchanged for a Glovebox one.
  action deployPolicy, approvePolicy, planPolicy, exchangeToken
    appliesTo { principal: User, resource: Gateway, context: RequestContext };
  // Reading the gateway's Prometheus metrics and the policy set in force.
  action readMetrics, readPolicy
    appliesTo { principal: User, resource: Gateway, context: RequestContext };
  // Minting an API token; context.requester is the user the token acts as. Obligations:
  // @maxDuration caps its lifetime, @outlivesLogin("allow") lets it outlive the minting login.
  action createToken
    appliesTo { principal: User, resource: Gateway, context: RequestContext };
}
`;

/**
 * What a CI run says about itself, from the standard environment variables of GitHub Actions and
 * GitLab CI (and the generic `CI`). Sent with `policy push` and stored as *claimed* metadata: the
 * gateway records what it verified (the claims of an exchanged CI token) separately.
 */
export function ciMetadata(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const pick = (fields: Record<string, string | undefined>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(fields).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, v.slice(0, 512)]])),
    );
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return pick({
      provider: 'github',
      repository: env.GITHUB_REPOSITORY,
      ref: env.GITHUB_REF,
      commit: env.GITHUB_SHA,
      pipelineUrl:
        env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
      workflow: env.GITHUB_WORKFLOW,
      actor: env.GITHUB_ACTOR,
    });
  }
  if (env.GITLAB_CI === 'true')
    return pick({
      provider: 'gitlab',
      repository: env.CI_PROJECT_PATH,
      ref: env.CI_COMMIT_REF_NAME,
      commit: env.CI_COMMIT_SHA,
      pipelineUrl: env.CI_PIPELINE_URL,
      jobUrl: env.CI_JOB_URL,
      actor: env.GITLAB_USER_LOGIN,
    });
  if (env.CI === 'true' || env.CI === '1') return pick({ provider: 'ci', commit: env.GIT_COMMIT });
  return {};
}

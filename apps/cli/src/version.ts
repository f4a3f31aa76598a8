/** The CLI's version; a test keeps it equal to apps/cli/package.json's. */
export const CLI_VERSION = '0.1.0';

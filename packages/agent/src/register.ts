// `node --import @glovebox/agent/register app.js`: starts the agent from GLOVEBOX_URL and
// GLOVEBOX_AGENT_TOKEN with no change to the application's code.
import { startAgent } from './start.js';

startAgent();

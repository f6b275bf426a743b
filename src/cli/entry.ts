/** What `bin/crm.js` needs, and the entry point of the bundle `npm run build` makes (src/build/bundle.mjs). */
export { processContext } from './context.js';
export { run } from './main.js';

import { describeEntraDialect } from './entra-scenarios.js';

// Entra with ?aadOptscim062020 on the tenant URL: lowercase ops, JSON booleans, path-less
// replace with dotted and URN keys, members removed by value filter path.
describeEntraDialect('aadOptscim062020');

import { describeEntraDialect } from './entra-scenarios.js';

// Entra without the flag: capitalised ops, booleans as strings, members removed by value array.
describeEntraDialect('legacy');

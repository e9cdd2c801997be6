import { MAX_PAGE_SIZE } from '../../target/resources.js';

/** The largest request body /scim/v2 accepts (also advertised as bulk.maxPayloadSize). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** The largest page a query returns (advertised as filter.maxResults). */
export const MAX_RESULTS = MAX_PAGE_SIZE;

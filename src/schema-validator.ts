/**
 * @module schema-validator: one JSON Schema validator for every SDK Server and Client the gateway creates. Left to
 * themselves they build an Ajv instance each (about 20 KB and 0.4 ms per client session), for checks the gateway's
 * forwarding never asks for (it uses `request()`, not `callTool()` or `elicitInput()`). This one compiles nothing
 * until a schema is given to it.
 */
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';

export const SHARED_SCHEMA_VALIDATOR = new CfWorkerJsonSchemaValidator();

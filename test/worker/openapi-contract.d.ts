/** The served OpenAPI document's response validators (scripts/contract.ts; vitest.config.ts serves the module). */
declare module "virtual:openapi-contract" {
  interface Validator {
    (data: unknown): boolean;
    errors?: { instancePath: string; message?: string; params: Record<string, unknown> }[] | null;
  }
  export interface ContractResponse {
    headers: { name: string; required: boolean; pattern?: string }[];
    /** Media type → name of its validator; null when the response has no body. */
    content: Record<string, string> | null;
  }
  export interface ContractOperation {
    operationId: string;
    method: string;
    path: string;
    responses: Record<string, ContractResponse>;
  }
  /** SHA-256 of the document the validators come from, `servers` left out. */
  export const documentHash: string;
  export const operations: ContractOperation[];
  export const validators: Record<string, Validator>;
}

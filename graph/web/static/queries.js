// The GraphQL documents the page sends (see schema.graphql).

const IMPORT = `id type mode status filename headers totalRows importedRows failedValidationRows
  failedImportRows rolledBackRows rollbackConflictRows progress errorMessage errorCode missingRequiredFields
  createdAt errorReportUrl queuePosition mapping { column field confidence }
  summary encoding headerRow dateOrder decimalSeparator notices { code message column value control sample }`;

export const ME = `query Types { importTypes { type label templateUrl
  fields { name label required requiredUnless description } } }`;

export const CREATE = `mutation Create($input: CreateImportInput!) { createImport(input: $input) { ${IMPORT} } }`;

export const DETAILS = `query Details($id: ID!) { import(id: $id) { ${IMPORT} columnSamples(count: 3) { column values }
  errorCounts { code field count } } }`;

export const ERRORS = `query Errors($id: ID!, $first: Int!, $after: String, $field: String, $code: RowProblemCode) {
  import(id: $id) { errors(first: $first, after: $after, field: $field, code: $code) {
    edges { node { rowNumber column field message value code } } pageInfo { hasNextPage endCursor } } } }`;

export const REMAP = `mutation Remap($id: ID!, $mapping: [MappingInput!]!) {
  updateImportMapping(id: $id, mapping: $mapping) { ${IMPORT} } }`;

// One decision changed from a notice; the arguments left out keep their value.
export const REREAD = `mutation Reread($id: ID!, $dateOrder: DateOrder, $encoding: String, $headerRow: Int,
  $decimalSeparator: String) { updateImportMapping(id: $id, dateOrder: $dateOrder, encoding: $encoding,
  headerRow: $headerRow, decimalSeparator: $decimalSeparator) { ${IMPORT} } }`;

export const SAVED = `query Saved($type: ImportType!) { importMappings(type: $type) { id name mapping { column field } } }`;

export const SAVE = `mutation Save($id: ID!, $name: String!) { saveImportMapping(id: $id, name: $name) { id } }`;

export const START = `mutation Start($id: ID!) { startImport(id: $id) { ${IMPORT} } }`;

export const ROLLBACK = `mutation Rollback($id: ID!) { rollbackImport(id: $id) { ${IMPORT} } }`;

export const PROGRESS = `subscription Progress($id: ID!) { importProgress(id: $id) { ${IMPORT} } }`;

export const HISTORY = `query History($first: Int!, $after: String, $filter: ImportFilterInput) {
  imports(first: $first, after: $after, filter: $filter) {
    edges { node { id type mode status queuePosition filename totalRows importedRows failedImportRows createdAt } }
    pageInfo { hasNextPage endCursor } } }`;

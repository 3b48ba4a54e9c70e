// GraphQL types for every operation in src/, generated (into generated/,
// outside src/ so that writing them does not look like a source change) from the SDL the
// server checks in (graphql/schema.graphql). `npm run codegen` fails when an
// operation no longer matches the schema, which is what CI relies on.
import type { CodegenConfig } from '@graphql-codegen/cli'

const config: CodegenConfig = {
  schema: '../graphql/schema.graphql',
  documents: ['src/**/*.{ts,vue}'],
  ignoreNoDocuments: false,
  generates: {
    './generated/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        documentMode: 'string',
        enumsAsTypes: true,
        scalars: { NaiveDate: 'string', Date: 'string', DateTime: 'string', UUID: 'string', Upload: 'File' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
}
export default config

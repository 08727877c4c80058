import { Kind, visit, type ASTNode, type DocumentNode, type GraphQLError } from "graphql";

/**
 * Shopify runs graphql-ruby, whose validation messages differ from graphql-js's. The sandbox validates with
 * graphql-js against the real schema and rewrites the errors apps meet most into graphql-ruby's wording, code and
 * path (graphql-ruby lib/graphql/static_validation/rules/*_error.rb), e.g. for a misspelt field:
 *   {"message":"Field 'nam' doesn't exist on type 'Shop'","locations":[…],"path":["query","shop","nam"],
 *    "extensions":{"code":"undefinedField","typeName":"Shop","fieldName":"nam"}}
 * Other validation errors keep graphql-js's message.
 */

export interface ShopifyError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

const UNDEFINED_FIELD = /^Cannot query field "(\w+)" on type "(\w+)"\./;
const UNKNOWN_ARGUMENT = /^Unknown argument "(\w+)" on field "\w+\.(\w+)"\./;
const MISSING_ARGUMENT = /^Field "(\w+)" argument "(\w+)" of type ".+" is required, but it was not provided\./;

/** graphql-ruby's static path of every field and argument: ["query Name", "shop", "nam"]. */
function staticPaths(document: DocumentNode): Map<ASTNode, string[]> {
  const paths = new Map<ASTNode, string[]>();
  const stack: string[] = [];
  visit(document, {
    enter(node) {
      switch (node.kind) {
        case Kind.OPERATION_DEFINITION:
          stack.push(node.name ? `${node.operation} ${node.name.value}` : node.operation);
          break;
        case Kind.FRAGMENT_DEFINITION:
          stack.push(`fragment ${node.name.value}`);
          break;
        case Kind.INLINE_FRAGMENT:
          stack.push(node.typeCondition ? `... on ${node.typeCondition.name.value}` : "...");
          break;
        case Kind.FIELD:
          stack.push(node.name.value);
          paths.set(node, [...stack]);
          break;
        case Kind.ARGUMENT:
          paths.set(node, [...stack, node.name.value]);
          break;
      }
    },
    leave(node) {
      if (node.kind === Kind.OPERATION_DEFINITION || node.kind === Kind.FRAGMENT_DEFINITION || node.kind === Kind.INLINE_FRAGMENT || node.kind === Kind.FIELD) {
        stack.pop();
      }
    },
  });
  return paths;
}

export function shopifyValidationErrors(document: DocumentNode, errors: readonly GraphQLError[]): ShopifyError[] {
  const paths = staticPaths(document);
  const shaped = (error: GraphQLError, message: string, extensions?: Record<string, unknown>): ShopifyError => {
    const path = error.nodes?.[0] && paths.get(error.nodes[0]);
    return {
      message,
      ...(error.locations && { locations: [...error.locations] }),
      ...(path && { path }),
      ...(extensions && { extensions }),
    };
  };
  const result: ShopifyError[] = [];
  // graphql-js reports each missing argument; graphql-ruby all of a field's in one error.
  const missingByField = new Map<ASTNode, { error: ShopifyError; fieldName: string; names: string[] }>();
  for (const error of errors) {
    let match: RegExpExecArray | null;
    if ((match = UNDEFINED_FIELD.exec(error.message))) {
      const [, fieldName, typeName] = match;
      result.push(shaped(error, `Field '${fieldName}' doesn't exist on type '${typeName}'`, { code: "undefinedField", typeName, fieldName }));
    } else if ((match = UNKNOWN_ARGUMENT.exec(error.message))) {
      const [, argumentName, fieldName] = match;
      result.push(
        shaped(error, `Field '${fieldName}' doesn't accept argument '${argumentName}'`, { code: "argumentNotAccepted", name: fieldName, typeName: "Field", argumentName }),
      );
    } else if ((match = MISSING_ARGUMENT.exec(error.message)) && error.nodes?.[0]) {
      const [, fieldName, argumentName] = match as unknown as [string, string, string];
      const missing = missingByField.get(error.nodes[0]);
      if (missing) {
        missing.names.push(argumentName);
      } else {
        const entry = { error: shaped(error, ""), fieldName, names: [argumentName] };
        missingByField.set(error.nodes[0], entry);
        result.push(entry.error);
      }
    } else {
      result.push(shaped(error, error.message));
    }
  }
  for (const { error, fieldName, names } of missingByField.values()) {
    error.message = `Field '${fieldName}' is missing required arguments: ${names.join(", ")}`;
    error.extensions = { code: "missingRequiredArguments", className: "Field", name: fieldName, arguments: names.join(", ") };
  }
  return result;
}

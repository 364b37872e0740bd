; Units of TypeScript code: functions (declarations and functions bound to
; a name), methods, classes, interfaces, enums, namespaces, and test blocks
; (`test("name", ...)`, `it(...)`, `describe(...)`).

(function_declaration name: (identifier) @name) @unit.function
(generator_function_declaration name: (identifier) @name) @unit.function
(function_signature name: (identifier) @name) @unit.function

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)])) @unit.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)])) @unit.function

(method_definition name: [(property_identifier) (private_property_identifier)] @name) @unit.method
(abstract_method_signature name: (property_identifier) @name) @unit.method

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @unit.method

(class_declaration name: (type_identifier) @name) @unit.class
(abstract_class_declaration name: (type_identifier) @name) @unit.class
(interface_declaration name: (type_identifier) @name) @unit.interface
(enum_declaration name: (identifier) @name) @unit.enum
(internal_module name: [(identifier) (nested_identifier)] @name) @unit.module

((call_expression
   function: (identifier) @_fn
   arguments: (arguments . [(string (string_fragment) @name) (template_string) @name]))
  @unit.test
  (#any-of? @_fn "test" "it" "describe"))

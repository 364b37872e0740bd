; Units of JavaScript code: functions (declarations, generator functions,
; functions and arrow functions bound to a name), class methods, classes,
; and test blocks (`test("name", ...)`, `it(...)`, `describe(...)`).

(function_declaration name: (identifier) @name) @unit.function
(generator_function_declaration name: (identifier) @name) @unit.function

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)])) @unit.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)])) @unit.function

(assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(arrow_function) (function_expression)]) @unit.function

(method_definition name: [(property_identifier) (private_property_identifier)] @name) @unit.method

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @unit.method

(class_declaration name: (identifier) @name) @unit.class

((call_expression
   function: (identifier) @_fn
   arguments: (arguments . [(string (string_fragment) @name) (template_string) @name]))
  @unit.test
  (#any-of? @_fn "test" "it" "describe"))

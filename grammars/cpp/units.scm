; Units of C++ code: functions and methods (in a class body or defined out
; of line as `Outer::name`), classes, structs, unions, enums, namespaces,
; and GoogleTest / Catch2 tests.

(function_definition
  declarator: (function_declarator
    declarator: [(identifier) (field_identifier) (qualified_identifier) (destructor_name) (operator_name)] @name)) @unit.function
(function_definition
  declarator: [(pointer_declarator declarator: (function_declarator
                 declarator: [(identifier) (field_identifier) (qualified_identifier) (operator_name)] @name))
               (reference_declarator (function_declarator
                 declarator: [(identifier) (field_identifier) (qualified_identifier) (operator_name)] @name))]) @unit.function

(class_specifier name: [(type_identifier) (qualified_identifier)] @name body: (field_declaration_list)) @unit.class
(struct_specifier name: [(type_identifier) (qualified_identifier)] @name body: (field_declaration_list)) @unit.struct
(union_specifier name: [(type_identifier) (qualified_identifier)] @name body: (field_declaration_list)) @unit.struct
(enum_specifier name: [(type_identifier) (qualified_identifier)] @name body: (enumerator_list)) @unit.enum
(namespace_definition name: [(namespace_identifier) (nested_namespace_specifier)] @name) @unit.module

; TEST(Suite, Name) { ... } parses as a function definition named TEST.
((function_definition
   declarator: (function_declarator
     declarator: (identifier) @_macro
     parameters: (parameter_list . (parameter_declaration) . (parameter_declaration) @name))) @unit.test
  (#any-of? @_macro "TEST" "TEST_F" "TEST_P" "TYPED_TEST"))

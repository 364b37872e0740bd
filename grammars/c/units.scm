; Units of C code: function definitions (also those returning pointers),
; structs, unions and enums with a body.

(function_definition
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))]) @unit.function

(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @unit.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @unit.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @unit.enum

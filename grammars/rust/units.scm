; Units of Rust code. Each pattern captures the unit node as @unit.<kind>
; and its name as @name. Kinds: function method test class struct impl
; trait interface enum module. A function nested directly in an impl or
; trait is reported as a method.

(function_item name: (identifier) @name) @unit.function

; #[test], #[tokio::test], #[rstest] ... directly before the function.
((attribute_item (attribute [(identifier) (scoped_identifier)] @_attr))
  .
  (attribute_item)*
  .
  (function_item name: (identifier) @name) @unit.test
  (#match? @_attr "(^|::)(test|rstest|test_case|quickcheck)$"))

(impl_item
  type: [(type_identifier) @name
         (generic_type type: (type_identifier) @name)
         (scoped_type_identifier name: (type_identifier) @name)
         (generic_type type: (scoped_type_identifier name: (type_identifier) @name))]) @unit.impl

(struct_item name: (type_identifier) @name) @unit.struct
(union_item name: (type_identifier) @name) @unit.struct
(enum_item name: (type_identifier) @name) @unit.enum
(trait_item name: (type_identifier) @name) @unit.trait
(mod_item name: (identifier) @name body: (declaration_list)) @unit.module
(macro_definition name: (identifier) @name) @unit.function

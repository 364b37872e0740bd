; Units of Java code: methods and constructors, classes, records,
; interfaces, enums, and JUnit/TestNG test methods (`@Test`, `@ParameterizedTest`).

(method_declaration name: (identifier) @name) @unit.method
(constructor_declaration name: (identifier) @name) @unit.method
(compact_constructor_declaration name: (identifier) @name) @unit.method

((method_declaration
   (modifiers [(marker_annotation name: (identifier) @_ann)
               (annotation name: (identifier) @_ann)])
   name: (identifier) @name) @unit.test
  (#match? @_ann "Test$"))

(class_declaration name: (identifier) @name) @unit.class
(record_declaration name: (identifier) @name) @unit.class
(interface_declaration name: (identifier) @name) @unit.interface
(annotation_type_declaration name: (identifier) @name) @unit.interface
(enum_declaration name: (identifier) @name) @unit.enum

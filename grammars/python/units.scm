; Units of Python code: functions (methods when directly inside a class),
; classes, and pytest/unittest test functions (`test_*`, `Test*` classes).

(function_definition name: (identifier) @name) @unit.function

((function_definition name: (identifier) @name) @unit.test
  (#match? @name "^test"))

(class_definition name: (identifier) @name) @unit.class

; Units of Go code: functions, methods (with a receiver), struct and
; interface types, and tests/benchmarks/fuzz targets (`func TestX(t *testing.T)`).

(function_declaration name: (identifier) @name) @unit.function

((function_declaration name: (identifier) @name) @unit.test
  (#match? @name "^(Test|Benchmark|Fuzz|Example)"))

;; @outer names the receiver type, so `Cart.Total` finds the method.
(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [(type_identifier) @outer
             (pointer_type (type_identifier) @outer)
             (generic_type type: (type_identifier) @outer)
             (pointer_type (generic_type type: (type_identifier) @outer))]))
  name: (field_identifier) @name) @unit.method

(type_declaration (type_spec name: (type_identifier) @name type: (struct_type))) @unit.struct
(type_declaration (type_spec name: (type_identifier) @name type: (interface_type))) @unit.interface

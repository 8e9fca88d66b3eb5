; Top-level definitions of a C translation unit.
; Run with a small max start depth (see reviewkit/cmap/parse.py): functions
; come from the top level (or from inside #if blocks), never from a full-tree
; walk, where iterator macros such as `for_each_x(y) {` parse as false
; function_definition nodes.

(function_definition
  body: (compound_statement)) @definition.function

(struct_specifier
  name: (type_identifier) @name.definition.struct
  body: (field_declaration_list)) @definition.struct

(union_specifier
  name: (type_identifier) @name.definition.struct
  body: (field_declaration_list)) @definition.struct

(enum_specifier
  name: (type_identifier) @name.definition.struct
  body: (enumerator_list)) @definition.struct

; A variable with a braced initialiser (`static const struct pwm_ops ops = {`):
; a data scope, named by the variable.
(declaration
  declarator: (init_declarator
    declarator: (_) @name.definition.initializer
    value: (initializer_list))) @definition.initializer

(preproc_function_def
  name: (identifier) @name.definition.macro) @definition.macro

(preproc_def
  name: (identifier) @name.definition.macro) @definition.macro

; A macro that defines a function: NAME(args) { ... } at the top level
; parses as a call statement (its ";" MISSING) followed by a block.
((expression_statement
   (call_expression
     function: (identifier) @name.definition.macro_function)) @head.definition.macro_function
 .
 (compound_statement) @body.definition.macro_function)

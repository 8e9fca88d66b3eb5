; Top-level definitions of a C translation unit.
; Run on the translation unit and on each #if block with a max start depth
; of 1 (see reviewkit/cmap/functions.py): every main capture is a direct
; child of that container. Functions come from the top level, never from a
; full-tree walk, where iterator macros such as `for_each_x(y) {` parse as
; false function_definition nodes.

(function_definition
  body: (compound_statement)) @definition.function

; Structs, unions and enums with a body: the declaration (or typedef) that
; holds one, or the specifier alone (`struct x { ... };`). @kind says which.
(declaration
  type: [
    (struct_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list))
    (union_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list))
    (enum_specifier name: (type_identifier) @name.definition.struct body: (enumerator_list))
  ] @kind.definition.struct) @definition.struct

(type_definition
  type: [
    (struct_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list))
    (union_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list))
    (enum_specifier name: (type_identifier) @name.definition.struct body: (enumerator_list))
  ] @kind.definition.struct) @definition.struct

[
  (struct_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list))
  (union_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list))
  (enum_specifier name: (type_identifier) @name.definition.struct body: (enumerator_list))
] @definition.struct @kind.definition.struct

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

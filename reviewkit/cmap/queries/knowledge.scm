; What `reviewkit knowledge build` reads in a function body
; (reviewkit/knowledge/extract.py): every call (by a name or through a struct
; member), the returns, the assignments to a plain variable, the
; initialised declarators, the if statements, and the local declarations.

(call_expression) @call
(return_statement) @return
(assignment_expression left: (identifier)) @assign
(init_declarator value: (_)) @init
(if_statement) @if
(declaration) @declaration

; Statements that change the flow of control. The CFG builder handles each;
; tests use this query to check that none is lost.

(if_statement condition: (_) @condition) @control.if
(while_statement condition: (_) @condition) @control.while
(do_statement condition: (_) @condition) @control.do
(for_statement) @control.for
(switch_statement condition: (_) @condition) @control.switch
(case_statement) @control.case
(goto_statement label: (statement_identifier) @label) @control.goto
(labeled_statement label: (statement_identifier) @label) @control.label
(return_statement) @control.return
(break_statement) @control.break
(continue_statement) @control.continue

; A macro call statement right before a block: an iterator macro
; (`name(args) {`, the ";" MISSING) or a scope macro.
((expression_statement
   (call_expression
     function: (identifier) @macro.name)) @macro.head
 .
 (compound_statement) @macro.body)

; Calls, with the callee's name when it is a plain identifier.

(call_expression
  function: (identifier) @call.name
  arguments: (argument_list) @call.arguments) @call

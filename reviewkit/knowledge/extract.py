"""One C file of a kernel tree -> a small summary of what its definitions do.

This is the part of the build that runs in the worker processes: it reads
one file, parses it with tree-sitter-c, and keeps only what the learning
needs (calls by name with the line and what their gfp argument says, what a
function returns, the locks it takes and drops at its top level, the
kernel-doc phrases that matter, cleanup classes, struct member types). The
tree and the source are dropped before the next file: memory stays bounded
by one file, and a summary is a few hundred bytes per function.

Everything that names a kernel function comes from :class:`Seeds`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import tree_sitter

from reviewkit.cmap.functions import function_name
from reviewkit.cmap.parse import load_query, node_text, parse_c
from reviewkit.knowledge.seeds import Seeds
from reviewkit.rules.resources import MEMBER_PATH, normalise_key, normalise_text, variant_names

# (name, line, gfp): a call that may carry sleep to its caller. ``gfp`` is
# None, or (number of arguments, ((argument index, class), ...)) where class
# is "S" (flags that sleep), "A" (flags that do not), ("P", k) (the caller's
# own gfp parameter k), or ("V", j, n) (a macro passing __VA_ARGS__ from
# argument j on: callee argument i is the macro's argument n + i - j).
Call = tuple


class FunctionSummary(NamedTuple):
    """What one function (or function-like macro) definition does."""

    name: str
    line: int
    local: bool  # a static function or a macro of a .c file: seen in that file only
    macro: bool
    calls: tuple[Call, ...]  # calls that may carry sleep (not under an atomic lock, not decided by a context test)
    ncalls: int  # every call; 0: a stub
    stop: tuple[str, int] | None  # the body says it is atomic-safe: (why, line)
    doc: tuple[str, str, int] | None  # kernel-doc Context: ("sleep" | "atomic", phrase, line)
    gfp_param: int  # index of its first gfp parameter; -1 none
    ret_type: str  # "struct x" for a function returning a pointer to one; "*" another pointer; "" none
    ref: tuple | None  # see _ref_candidate
    doc_put: tuple[str, int] | None  # a release its kernel-doc names for the result, and the line
    doc_ref_line: int  # line of a "Return: ... refcount incremented" phrase; 0 none
    lock: tuple | None  # see _lock_candidates
    release: tuple | None
    putter: tuple | None  # drops a reference on a member of its parameter: see _putter
    members: tuple  # ((struct, path, member, line, reason), ...) ops members called in atomic context
    atomic_calls: tuple[str, ...]  # functions it calls in atomic context (an atomic lock held, or it is an atomic callback)
    takes: tuple = ()  # locks of a parameter it takes and drops before returning: see _takes
    passes: tuple = ()  # calls that hand on a parameter: see _passes


class CleanupClass(NamedTuple):
    """A DEFINE_GUARD / DEFINE_FREE / DEFINE_CLASS / DEFINE_LOCK_GUARD_* ."""

    name: str
    kind: str
    type: str
    acquire: str  # the acquiring call's name ("" none)
    release: str  # the releasing call's name ("" none)
    tolerates: str  # "err_ptr": the release tests IS_ERR_OR_NULL/IS_ERR; "null": it tests for NULL; "none"
    test: str  # the test's text, as evidence ("" none)
    line: int


class FileSummary(NamedTuple):
    path: str  # relative to the tree
    functions: tuple[FunctionSummary, ...]
    cleanups: tuple[CleanupClass, ...]
    structs: tuple  # ((struct, ((field, struct of the field), ...), (function-pointer fields, ...)), ...)
    getter_types: tuple  # ((known get, its return type), ...): which put pairs with a type


_CONTAINERS = frozenset(
    {"translation_unit", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"}
)
_WORD = re.compile(r"[A-Za-z_]\w*")
_CALL_IN_TEXT = re.compile(r"(?<![\w#])([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = frozenset({
    "if", "while", "for", "switch", "return", "sizeof", "typeof", "__typeof__", "__typeof", "_Generic",
    "defined", "asm", "__asm__", "volatile", "__volatile__", "__attribute__", "do", "case", "_Static_assert",
    "__builtin_expect", "__builtin_constant_p", "offsetof", "__alignof__", "alignof", "__same_type",
})
_DOC_NAME = re.compile(r"^\s*\*?\s*(?:[a-z]+\s+)?([A-Za-z_]\w*)\s*(?:\(\))?\s*[-:]")
_SECTION = re.compile(r"^\s*\*?\s*([A-Z][A-Za-z ]{1,20}):")
_MENTION = re.compile(r"\b([A-Za-z_]\w*)\(\)")

# The query's captures, in the order they are grouped
_CAPTURES = ("call", "return", "assign", "init", "if", "declaration")


def summarise_file(source: bytes, path: str, seeds: Seeds) -> FileSummary:
    """Summarise one C file.

    Args:
        source: the file's bytes.
        path: its path relative to the tree (evidence names it; a ``.c``
            file's statics are local to it).
        seeds: the learning's seeds.

    Returns:
        The summary; a file tree-sitter cannot make sense of still gives
        what it could read.
    """
    return _FileReader(source, path, seeds).read()


class _Param(NamedTuple):
    name: str
    type: str  # "struct x" or the type's text
    pointer: bool


class _FileReader:
    def __init__(self, source: bytes, path: str, seeds: Seeds) -> None:
        self.src = source
        self.path = path
        self.seeds = seeds
        self.is_c = path.endswith(".c")
        self.core = seeds.is_core(path)
        self.ctx_re = seeds.context_regex()
        self.globals: dict[str, str] = {}  # file-scope variable -> struct type
        self.atomic_fns: dict[str, str] = {}  # function of this file registered as an atomic callback -> how
        self.pending_members: list[tuple[str, list]] = []  # (function, member calls not under a lock)

    # ------------------------------------------------------------------ file
    def read(self) -> FileSummary:
        tree = parse_c(self.src)
        functions: list[FunctionSummary] = []
        structs: list = []
        getter_types: list = []
        for node in _top_level(tree.root_node):
            t = node.type
            if t == "function_definition":
                fs = self._function(node)
                if fs is not None:
                    functions.append(fs)
                    if fs.name in self.seeds.ref_ops and self.seeds.ref_ops[fs.name][0] == "get" and fs.ret_type.startswith("struct "):
                        getter_types.append((fs.name, fs.ret_type))
            elif t == "preproc_function_def":
                fs = self._macro(node)
                if fs is not None:
                    functions.append(fs)
            elif t in ("declaration", "type_definition", "struct_specifier", "union_specifier"):
                self._declaration(node, structs)
        # functions this file registers as atomic callbacks: what they call
        # runs in atomic context too
        if self.atomic_fns:
            members = {fn: tuple(calls) for fn, calls in self.pending_members if fn in self.atomic_fns}
            functions = [self._atomic_callback(f, members.get(f.name, ())) if f.name in self.atomic_fns and not f.macro
                         else f for f in functions]
        return FileSummary(self.path, tuple(functions), tuple(self._cleanups()), tuple(structs), tuple(getter_types))

    def _atomic_callback(self, fn: FunctionSummary, unlocked_members: tuple) -> FunctionSummary:
        how = self.atomic_fns[fn.name]
        return fn._replace(
            members=fn.members + tuple(m[:4] + (("callback", how),) for m in unlocked_members),
            atomic_calls=tuple(dict.fromkeys(fn.atomic_calls + tuple(c[0] for c in fn.calls))),
        )

    # ------------------------------------------------------------------ declarations
    def _declaration(self, node: tree_sitter.Node, structs: list) -> None:
        typ = node.child_by_field_name("type") if node.type in ("declaration", "type_definition") else node
        if typ is not None and typ.type in ("struct_specifier", "union_specifier"):
            self._struct(typ, structs)
        if node.type != "declaration" or typ is None:
            return
        tname = _type_name(typ, self.src)
        for decl in node.children_by_field_name("declarator"):
            target = decl.child_by_field_name("declarator") if decl.type == "init_declarator" else decl
            name = _declarator_name(target, self.src)
            if name is None:
                continue
            if tname.startswith("struct "):
                self.globals[name] = tname
            if decl.type == "init_declarator":
                value = decl.child_by_field_name("value")
                if value is not None and value.type == "initializer_list" and tname.startswith("struct "):
                    self._initializer(tname[7:], value)

    def _initializer(self, struct: str, init: tree_sitter.Node) -> None:
        """``.member = fn`` of a struct whose member knowledge.toml says runs in atomic context."""
        members = self.seeds.atomic_members.get(struct)
        if not members:
            return
        for pair in init.named_children:
            if pair.type != "initializer_pair":
                continue
            designator = pair.child_by_field_name("designator")
            value = pair.child_by_field_name("value")
            if designator is None or value is None or value.type != "identifier":
                continue
            field = designator.named_children[0] if designator.named_children else None
            if field is not None and node_text(field, self.src) in members:
                self.atomic_fns[node_text(value, self.src)] = f"struct {struct} .{node_text(field, self.src)}"

    def _struct(self, spec: tree_sitter.Node, structs: list) -> None:
        name_node = spec.child_by_field_name("name")
        body = spec.child_by_field_name("body")
        if name_node is None or body is None:
            return
        fields: list[tuple[str, str]] = []
        fps: list[str] = []
        self._fields(body, fields, fps)
        if fields or fps:
            structs.append((node_text(name_node, self.src), tuple(fields), tuple(fps)))

    def _fields(self, body: tree_sitter.Node, fields: list, fps: list) -> None:
        for fd in body.named_children:
            if fd.type != "field_declaration":
                continue
            typ = fd.child_by_field_name("type")
            decls = fd.children_by_field_name("declarator")
            if typ is not None and typ.type in ("struct_specifier", "union_specifier") and not decls:
                inner = typ.child_by_field_name("body")
                if inner is not None and typ.child_by_field_name("name") is None:
                    self._fields(inner, fields, fps)  # an anonymous struct or union: its fields are ours
                continue
            tname = _type_name(typ, self.src) if typ is not None else ""
            for d in decls:
                fname = _declarator_name(d, self.src)
                if fname is None:
                    continue
                if _has(d, "function_declarator"):
                    fps.append(fname)
                elif tname.startswith("struct "):
                    fields.append((fname, tname[7:]))

    # ------------------------------------------------------------------ cleanup.h
    def _cleanups(self) -> list[CleanupClass]:
        macros = self.seeds.cleanup_macros
        if not macros or b"DEFINE_" not in self.src and b"EXTEND_" not in self.src:
            return []
        text = self.src.decode("utf-8", "replace")
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(macros, key=len, reverse=True))) + r")\s*\(")
        out = []
        for m in pattern.finditer(text):
            if _in_directive(text, m.start()) or _in_comment(text, m.start()):
                continue  # a macro defining more classes, or its documentation
            args = split_args(text, m.end() - 1)
            if args is None:
                continue
            spec = macros[m.group(1)]
            name = args[0].strip()
            if not _WORD.fullmatch(name):
                continue
            if spec.suffix_arg >= 0:
                if spec.suffix_arg >= len(args):
                    continue
                name += args[spec.suffix_arg].strip()
            acquire = args[spec.acquire_arg] if 0 <= spec.acquire_arg < len(args) else ""
            release = args[spec.release_arg] if 0 <= spec.release_arg < len(args) else ""
            tolerates, test = _tolerance(release, self.seeds)
            out.append(CleanupClass(
                name=name,
                kind=spec.kind,
                type=" ".join(args[spec.type_arg].split()) if 0 <= spec.type_arg < len(args) else "",
                acquire=_first_call(acquire, self.seeds),
                release=_first_call(release, self.seeds),
                tolerates=tolerates,
                test=test,
                line=text.count("\n", 0, m.start()) + 1,
            ))
        return out

    # ------------------------------------------------------------------ macros
    def _macro(self, node: tree_sitter.Node) -> FunctionSummary | None:
        name_node = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name_node is None:
            return None
        name = node_text(name_node, self.src)
        params_node = node.child_by_field_name("parameters")
        params = [node_text(p, self.src) for p in params_node.named_children if p.type == "identifier"] if params_node else []
        text = node_text(value, self.src) if value is not None else ""
        base_line = (value.start_point.row if value is not None else node.start_point.row) + 1
        calls: list[Call] = []
        ncalls = 0
        pset = set(params)
        stop = None
        ctx = self.ctx_re.search(text) if self.ctx_re is not None else None
        if ctx is not None:
            stop = (f"tests {ctx.group()}", base_line + text.count("\n", 0, ctx.start()))
        for m in _CALL_IN_TEXT.finditer(text):
            callee = m.group(1)
            if callee in _NOT_CALLS or callee in pset or callee.startswith("__builtin"):
                continue
            if text[m.end(1):m.end(1) + 2] == "##" or text[max(0, m.start(1) - 2):m.start(1)] == "##":
                continue
            ncalls += 1
            args = split_args(text, m.end() - 1)
            gfp = self._macro_gfp(args, params) if args else None
            calls.append((callee, base_line + text.count("\n", 0, m.start()), gfp))
        return FunctionSummary(
            name=name, line=node.start_point.row + 1, local=self.is_c, macro=True, calls=_dedupe(calls),
            ncalls=ncalls, stop=stop, doc=None, gfp_param=-1, ret_type="", ref=None, doc_put=None, doc_ref_line=0,
            lock=None, release=None, putter=None, members=(), atomic_calls=(),
        )

    def _macro_gfp(self, args: list[str], params: list[str]) -> tuple | None:
        classes = []
        for i, arg in enumerate(args):
            a = arg.strip()
            if a == "__VA_ARGS__":
                classes.append((i, ("V", i, len(params))))
                continue
            cls = self._gfp_class(a, {p: k for k, p in enumerate(params)})
            if cls is not None:
                classes.append((i, cls))
        return (len(args), tuple(classes)) if classes else None

    def _gfp_class(self, text: str, gfp_params: dict[str, int]):
        """What an argument says about allocation flags: "S" sleeps, "A"
        never sleeps, ("P", k) the caller's own parameter k; None unknown."""
        if "GFP" not in text and not any(p in text for p in gfp_params):
            return None
        if self.seeds.atomic_gfp and " ".join(text.split()) in self.seeds.atomic_gfp:
            return "A"
        if any(c in text for c in "&~?"):
            return None  # masked or chosen at run time: unknown
        words = set(_WORD.findall(text))
        sleeps = words & self.seeds.sleeping_gfp
        atomic = words & self.seeds.atomic_gfp
        if sleeps and not atomic:
            return "S"
        if atomic and not sleeps:
            return "A"
        if not sleeps and not atomic:
            own = [gfp_params[w] for w in words if w in gfp_params]
            if len(own) == 1:
                return ("P", own[0])
        return None

    # ------------------------------------------------------------------ functions
    def _function(self, node: tree_sitter.Node) -> FunctionSummary | None:
        src = self.src
        name = function_name(node, src)
        body = node.child_by_field_name("body")
        if name is None or body is None or not _WORD.fullmatch(name):
            return None
        seeds = self.seeds
        storage = {node_text(c, src) for c in node.children if c.type == "storage_class_specifier"}
        decl = node.child_by_field_name("declarator")
        fdecl = _find(decl, "function_declarator")
        if fdecl is None or _defined_by_macro(fdecl, src):
            # a macro that defines a function: `static CLOSURE_CALLBACK(journal_write) {`
            # (drivers/md/bcache) reads as a variable of type CLOSURE_CALLBACK
            return None
        params = _params(fdecl, src) if fdecl is not None else []
        pindex = {p.name: i for i, p in enumerate(params)}
        gfp_params = {p.name: i for i, p in enumerate(params) if p.type in seeds.gfp_type}
        ret_type = ""
        if decl is not None and decl.type == "pointer_declarator":
            typ = node.child_by_field_name("type")
            tn = _type_name(typ, src) if typ is not None else ""
            ret_type = tn if tn.startswith("struct ") else "*"
        header = src[node.start_byte:body.start_byte]

        # in source order: the captures come grouped by name and, within a
        # name, in an order that differs from run to run (xfs_dqlockn()'s two
        # acquires of one lock decided whether it was a wrapper)
        caps = {name: sorted(nodes, key=lambda n: n.start_byte)
                for name, nodes in tree_sitter.QueryCursor(load_query("knowledge")).captures(body).items()}
        locals_: dict[str, str] = {}
        for d in caps.get("declaration", ()):
            tn = _type_name(d.child_by_field_name("type"), src)
            for dd in d.children_by_field_name("declarator"):
                target = dd.child_by_field_name("declarator") if dd.type == "init_declarator" else dd
                vname = _declarator_name(target, src)
                if vname:
                    locals_[vname] = tn
        # branches decided by a test of the execution context, or by a local
        # that holds one (memblock_double_array(): `use_slab =
        # slab_is_available(); ... if (use_slab) kmalloc(...)`)
        guarded: list[tuple[int, int]] = []
        stop = None
        if self.ctx_re is not None:
            held_tests = self._context_locals(caps, locals_)
            for ifn in caps.get("if", ()):
                cond = ifn.child_by_field_name("condition")
                if cond is None:
                    continue
                text = node_text(cond, src)
                m = self.ctx_re.search(text)
                if m is None and held_tests:
                    m = held_tests.search(text)
                if m is None:
                    continue
                guarded.append((cond.end_byte, ifn.end_byte))
                cons = ifn.child_by_field_name("consequence")
                if stop is None and cons is not None and (cons.type == "return_statement" or any(
                        c.type == "return_statement" for c in cons.named_children)):
                    stop = (f"returns early when {m.group()}()", ifn.start_point.row + 1)

        calls_sorted = caps.get("call", [])
        sleep_calls: list[Call] = []
        atomic_calls: list[str] = []
        members: list = []
        unlocked_members: list = []
        held: list[tuple[str, str, int, int]] = []  # (variant, acquire, line, until byte)
        ncalls = 0
        for call in calls_sorted:
            fn = call.child_by_field_name("function")
            args_node = call.child_by_field_name("arguments")
            if fn is None or args_node is None:
                continue
            if fn.type == "identifier" and node_text(fn, src) in seeds.failure_values:
                continue  # `return ERR_PTR(-ENODEV);` is a stub's body still
            ncalls += 1
            start = call.start_byte
            held = [h for h in held if h[3] > start]
            line = call.start_point.row + 1
            if fn.type == "identifier":
                callee = node_text(fn, src)
                op = seeds.lock_ops.get(callee)
                if op is not None and op[1] in seeds.atomic_variants:
                    if op[0] in ("acquire", "try"):
                        held.append((op[1], callee, line, body.end_byte))
                    else:
                        idx = next((i for i in range(len(held) - 1, -1, -1) if seeds.lock_ops.get(held[i][1], ("", "", ""))[2] == op[2]), None)
                        if idx is not None:
                            del held[idx]
                    continue
                if callee in seeds.guard_macros or callee in seeds.scoped_guard_macros:
                    first = _arg(args_node, 0)
                    cls = node_text(first, src) if first is not None else ""
                    variant = seeds.guard_classes.get(cls)
                    if variant is not None and variant in seeds.atomic_variants:
                        held.append((variant, f"{callee}({cls})", line,
                                     _guard_end(call, callee in seeds.scoped_guard_macros, body)))
                    continue
                if callee in pindex or callee in locals_:
                    continue  # a function pointer held in a variable
                if seeds.registrars and callee in seeds.registrars:
                    cb = _arg(args_node, seeds.registrars[callee])
                    if cb is not None and cb.type == "identifier":
                        self.atomic_fns.setdefault(node_text(cb, src), f"registered with {callee}()")
                gfp = self._call_gfp(args_node, gfp_params) if gfp_params or b"GFP" in src[args_node.start_byte:args_node.end_byte] else None
                if held:
                    # the kernel calls it in atomic context: evidence that it
                    # does not sleep (unless it is told so by atomic gfp flags)
                    if gfp is None or not any(c == "A" for _i, c in gfp[1]):
                        atomic_calls.append(callee)
                    continue
                if any(a <= start < b for a, b in guarded):
                    continue
                if self.ctx_re is not None and self.ctx_re.search(node_text(args_node, src)):
                    continue
                sleep_calls.append((callee, line, gfp))
            elif fn.type == "field_expression" and self.core:
                member = fn.child_by_field_name("field")
                obj = fn.child_by_field_name("argument")
                kp = key_path(obj, src) if obj is not None else None
                if member is None or kp is None:
                    continue
                root, path = kp
                rtype = locals_.get(root) or (params[pindex[root]].type if root in pindex else "") or self.globals.get(root, "")
                if not rtype.startswith("struct "):
                    continue
                rec = (rtype[7:], path, node_text(member, src), line)
                if held:
                    variant, acq, aline, _ = held[-1]
                    members.append(rec + (("lock", f"{acq if '(' in acq else acq + '()'} at line {aline}"),))
                else:
                    unlocked_members.append(rec)
        if unlocked_members:
            self.pending_members.append((name, unlocked_members))

        if stop is None:
            stop = _suffix_stop(name, seeds)
        doc = _kernel_doc(src, node.start_byte, name)
        doc_ctx = doc_put = None
        doc_ref_line = 0
        if doc is not None:
            doc_ctx = _doc_context(doc, seeds)
            if ret_type:
                doc_put, doc_ref_line = _doc_ref(doc, seeds)
        ref = self._ref_candidate(caps, body, ret_type, params, pindex, locals_) if ret_type else None
        lock, release = self._lock_candidates(caps, body, header, params, pindex, locals_, ret_type)
        takes = self._takes(name, caps, body, pindex)
        return FunctionSummary(
            name=name,
            line=node.start_point.row + 1,
            local=self.is_c and "static" in storage,
            macro=False,
            calls=_dedupe(sleep_calls),
            ncalls=ncalls,
            stop=stop,
            doc=doc_ctx,
            gfp_param=min(gfp_params.values()) if gfp_params else -1,
            ret_type=ret_type,
            ref=ref,
            doc_put=doc_put,
            doc_ref_line=doc_ref_line,
            lock=lock,
            release=release,
            putter=self._putter(caps, params, pindex),
            members=tuple(members),
            atomic_calls=tuple(dict.fromkeys(atomic_calls)),
            takes=takes,
            passes=self._passes(body, {p.name: i for i, p in enumerate(params) if p.pointer}) if not takes else (),
        )

    def _context_locals(self, caps: dict, locals_: dict[str, str]) -> re.Pattern[str] | None:
        """A pattern of the locals assigned a test of the execution context."""
        assert self.ctx_re is not None
        names = set()
        for a in caps.get("assign", ()):
            right = a.child_by_field_name("right")
            if right is not None and self.ctx_re.search(node_text(right, self.src)):
                names.add(node_text(a.child_by_field_name("left"), self.src))
        for i in caps.get("init", ()):
            value = i.child_by_field_name("value")
            if value is not None and self.ctx_re.search(node_text(value, self.src)):
                name = _declarator_name(i.child_by_field_name("declarator"), self.src)
                if name:
                    names.add(name)
        names &= set(locals_)
        if not names:
            return None
        return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b")

    def _call_gfp(self, args_node: tree_sitter.Node, gfp_params: dict[str, int]) -> tuple | None:
        args = [a for a in args_node.named_children if a.type != "comment"]
        classes = []
        for i, a in enumerate(args):
            cls = self._gfp_class(node_text(a, self.src), gfp_params)
            if cls is not None:
                classes.append((i, cls))
        return (len(args), tuple(classes)) if classes else None

    # ------------------------------------------------------------------ references
    def _classify(self, expr: tree_sitter.Node | None) -> list[tuple]:
        """What a returned (or assigned) expression is: a list of
        ("fail",), ("call", name), ("var", name), ("other",)."""
        src = self.src
        while expr is not None and expr.type in ("parenthesized_expression", "cast_expression"):
            expr = expr.child_by_field_name("value") if expr.type == "cast_expression" else next(
                (c for c in expr.named_children if c.type != "comment"), None)
        if expr is None:
            return [("other",)]
        t = expr.type
        if t == "null" or (t == "number_literal" and node_text(expr, src) == "0"):
            return [("fail",)]
        if t == "identifier":
            text = node_text(expr, src)
            return [("fail",)] if text in self.seeds.failure_values else [("var", text)]
        if t == "call_expression":
            fn = expr.child_by_field_name("function")
            if fn is not None and fn.type == "identifier":
                callee = node_text(fn, src)
                if callee in self.seeds.failure_values:
                    return [("fail",)]
                return [("call", callee, expr)]
            return [("other",)]
        if t == "conditional_expression":
            return self._classify(expr.child_by_field_name("consequence")) + self._classify(
                expr.child_by_field_name("alternative"))
        return [("other",)]

    def _ref_candidate(self, caps: dict, body: tree_sitter.Node, ret_type: str, params: list[_Param],
                       pindex: dict[str, int], locals_: dict[str, str]) -> tuple | None:
        """Whether every non-failure return gives a counted reference.

        Returns:
            None when some return gives something else; else
            ("ret", puts, deps, line) for a new reference (puts: the releases
            known here; deps: ((callee, line), ...) whose results are
            returned and must be learned to return references), or
            ("getarg", param index, puts or member gets, line) for a
            function that takes a reference on its argument and returns it.
        """
        src = self.src
        seeds = self.seeds
        rets = []
        for r in caps.get("return", ()):
            expr = next((c for c in r.named_children if c.type != "comment"), None)
            if expr is None:
                return None
            rets.append((r, self._classify(expr)))
        live = [(r, c) for r, cls in rets for c in cls if c[0] != "fail"]
        if not live:
            return None
        calls = caps.get("call", ())
        puts: set[tuple] = set()  # (put, ())
        mgets: set[tuple] = set()  # (ref id, member path)
        deps: list[tuple[str, int]] = []
        returned_vars = {c[1] for _r, c in live if c[0] == "var"}
        if len(returned_vars) > 1:
            return None
        var = next(iter(returned_vars), None)
        if var is not None and var in pindex and all(c[0] == "var" for _r, c in live):
            # a get wrapper: takes a reference on its argument and returns it;
            # not one that returns something else in it (gss_add_msg():
            # `gss_msg = old;`)
            if any(node_text(a.child_by_field_name("left"), src) == var for a in caps.get("assign", ())):
                return None
            for call in calls:
                got = self._get_on(call, var)
                if got is not None:
                    (mgets if got[1] else puts).add(got)
            if not puts and not mgets:
                return None
            return ("getarg", pindex[var], tuple(sorted(puts | mgets)), live[0][0].start_point.row + 1)
        for r, c in live:
            if c[0] == "call":
                name = c[1]
                op = seeds.ref_ops.get(name)
                if op is not None and op[0] == "get":
                    puts.add((seeds.ref_put[op[1]], ()))  # `return of_node_get(np);`
                elif op is not None and op[0] == "returns":
                    puts.add((seeds.ref_put[op[1]], ()))
                else:
                    deps.append((name, r.start_point.row + 1))
            elif c[0] == "var":
                if var not in locals_:
                    return None
            else:
                return None
        if var is not None and any(self._put_before(r, var) for r, c in live if c[0] == "var"):
            return None
        if var is not None:
            got_any = False
            for call in calls:
                got = self._get_on(call, var)
                if got is not None:
                    got_any = True
                    (mgets if got[1] else puts).add(got)
                fn = call.child_by_field_name("function")
                if fn is not None and fn.type == "identifier":
                    it = seeds.iterators.get(node_text(fn, src))
                    if it is not None:
                        held = _arg(call.child_by_field_name("arguments"), it[0])
                        if held is not None and node_text(held, src) == var:
                            got_any = True
                            puts.add((it[1], ()))
            if not got_any:
                # every value assigned to it comes from a call (to be learned) or is a failure
                sources = []
                for a in caps.get("assign", ()):
                    if node_text(a.child_by_field_name("left"), src) == var:
                        op = a.child_by_field_name("operator")
                        if op is not None and node_text(op, src) != "=":
                            return None
                        sources.append((a, self._classify(a.child_by_field_name("right"))))
                for i in caps.get("init", ()):
                    if _declarator_name(i.child_by_field_name("declarator"), src) == var:
                        sources.append((i, self._classify(i.child_by_field_name("value"))))
                if not sources:
                    return None
                for node, cls in sources:
                    for c in cls:
                        if c[0] == "fail":
                            continue
                        if c[0] != "call":
                            return None
                        op = seeds.ref_ops.get(c[1])
                        if op is not None and op[0] in ("get", "returns"):
                            puts.add((seeds.ref_put[op[1]], ()))
                        elif op is not None:
                            return None
                        else:
                            deps.append((c[1], node.start_point.row + 1))
        if mgets:
            return None  # a reference on a member of a new object: the release is not of the result
        return ("ret", tuple(sorted(p for p, _ in puts)), tuple(deps), live[0][0].start_point.row + 1)

    def _put_before(self, ret: tree_sitter.Node, var: str) -> bool:
        """Whether a statement before ``return var;`` in its block drops a
        reference on ``var`` (``put_device(d); ... return d;``,
        drivers/media/cec/platform/cros-ec/cros-ec-cec.c), with no
        assignment to it in between."""
        stmt = ret.prev_named_sibling
        while stmt is not None:
            if stmt.type == "expression_statement":
                expr = next((c for c in stmt.named_children if c.type != "comment"), None)
                left = expr.child_by_field_name("left") if expr is not None else None
                if expr is not None and expr.type == "assignment_expression" and left is not None \
                        and node_text(left, self.src) == var:
                    return False
                if expr is not None and expr.type == "call_expression":
                    fn = expr.child_by_field_name("function")
                    op = self.seeds.ref_ops.get(node_text(fn, self.src)) if fn is not None else None
                    if op is not None and op[0] == "put":
                        kp = key_path(_arg(expr.child_by_field_name("arguments"), op[3]), self.src)
                        if kp is not None and kp[0] == var:
                            return True
            stmt = stmt.prev_named_sibling
        return False

    def _get_on(self, call: tree_sitter.Node, var: str) -> tuple | None:
        """(put, member path) when ``call`` is a known get on ``var`` (path
        ()) or on a member of it; None otherwise."""
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier":
            return None
        op = self.seeds.ref_ops.get(node_text(fn, self.src))
        if op is None or op[0] not in ("get", "try"):
            return None
        arg = _arg(call.child_by_field_name("arguments"), op[3])
        kp = key_path(arg, self.src) if arg is not None else None
        if kp is None or kp[0] != var:
            return None
        if kp[1]:
            return (op[1], kp[1])  # (ref id, path): a reference on a member
        return (self.seeds.ref_put[op[1]], ())

    def _putter(self, caps: dict, params: list[_Param], pindex: dict[str, int]) -> tuple | None:
        """A function that drops a reference on a member of its (only
        pointer) parameter: the release that pairs with a get wrapper.

        Returns:
            ("put", ref id, parameter type, member path, line, number of
            parameters); ("via", parameter type, names of the calls it
            passes the parameter to, number of parameters) for one that
            takes no reference itself and may drop it through a callee
            (put_nfs_open_context() -> __put_nfs_open_context()); None.
        """
        ptrs = [p for p in params if p.pointer and p.type.startswith("struct ")]
        if len(ptrs) != 1:
            return None
        p = ptrs[0]
        found = None
        passes = []
        for call in caps.get("call", ()):
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "identifier":
                continue
            name = node_text(fn, self.src)
            op = self.seeds.ref_ops.get(name)
            args = call.child_by_field_name("arguments")
            if op is None:
                if args is not None and any(a.type == "identifier" and node_text(a, self.src) == p.name
                                            for a in args.named_children):
                    passes.append(name)
                continue
            if op[0] != "put":
                return None
            arg = _arg(args, op[3])
            kp = key_path(arg, self.src) if arg is not None else None
            if kp is not None and kp[0] == p.name and kp[1]:
                found = ("put", op[1], p.type, kp[1], call.start_point.row + 1, len(params))
        if found is None and passes:
            return ("via", p.type, tuple(dict.fromkeys(passes)), len(params))
        return found

    # ------------------------------------------------------------------ locks
    def _takes(self, name: str, caps: dict, body: tree_sitter.Node, pindex: dict[str, int]) -> tuple:
        """The locks of a parameter the function takes at the top level of
        its body and drops before it returns, on every path: an acquire
        followed by a release at the top level with each return between
        them right after a release of it, or a ``guard()`` /
        ``scoped_guard()`` at the top level (``adis_write_reg()``:
        ``guard(mutex)(&adis->state_lock)``).

        Returns:
            ((variant, parameter index, member, line, unlocked), ...):
            member is the lock from the parameter (``->state_lock``);
            unlocked is the one call it makes with the lock held, when it
            makes one (the variant that expects the lock held), else "".
        """
        src = self.src
        seeds = self.seeds
        out: list[tuple] = []
        top = [c for c in body.named_children if c.type != "comment"]
        for k, stmt in enumerate(top):
            call = _statement_call(stmt)
            if call is None:
                continue
            fn = call.child_by_field_name("function")
            args = call.child_by_field_name("arguments")
            if fn is None or args is None:
                continue
            variant = arg = None
            until = body.end_byte
            if fn.type == "identifier" and node_text(fn, src) in seeds.lock_ops:
                kind, variant, family, argi = seeds.lock_ops[node_text(fn, src)]
                if kind != "acquire" or argi < 0:
                    continue
                arg = _arg(args, argi)
                member = self._param_member(arg, pindex)
                if member is None:
                    continue
                release = next((r for r in top[k + 1:] if self._releases(r, family, member, pindex)), None)
                if release is None:
                    continue
                until = release.start_byte
                between = [r for r in caps.get("return", ()) if stmt.end_byte <= r.start_byte < until]
                if not all(self._released_before(r, family, member, pindex) for r in between):
                    continue
            elif fn.type == "call_expression":  # guard(CLASS)(&p->lock)
                inner = fn.child_by_field_name("function")
                inner_args = fn.child_by_field_name("arguments")
                if inner is None or node_text(inner, src) not in seeds.guard_macros:
                    continue
                first = _arg(inner_args, 0)
                variant = seeds.guard_classes.get(node_text(first, src)) if first is not None else None
                arg = _arg(args, 0)
            elif fn.type == "identifier" and node_text(fn, src) in seeds.scoped_guard_macros:
                first = _arg(args, 0)
                variant = seeds.guard_classes.get(node_text(first, src)) if first is not None else None
                arg = _arg(args, 1)
                until = _guard_end(call, True, body)
            if variant is None or arg is None:
                continue
            member = self._param_member(arg, pindex)
            if member is None:
                continue
            under = []
            for c in caps.get("call", ()):
                f = c.child_by_field_name("function")
                if stmt.end_byte <= c.start_byte < until and f is not None and f.type == "identifier":
                    callee = node_text(f, src)
                    if callee not in seeds.lock_ops and callee not in seeds.failure_values:
                        under.append(callee)
            # the one call under the lock, named as a variant of this one
            # (adis_write_reg() -> __adis_write_reg()); not a helper that
            # happens to run there (list_add_tail())
            names = set(under)
            twin = names.pop() if len(names) == 1 else ""
            out.append((variant, member[0], member[1], call.start_point.row + 1,
                        twin if twin and variant_names(name, twin) else ""))
        return tuple(out)

    def _param_path(self, arg: tree_sitter.Node | None, pindex: dict[str, int]) -> tuple[int, str] | None:
        """(parameter index, the member path from it: ``->lock``, "" for the
        parameter itself) of an expression rooted at a parameter (``&p->lock``,
        ``p``); None otherwise."""
        kp = key_path(arg, self.src) if arg is not None else None
        if arg is None or kp is None or kp[0] not in pindex or "[]" in kp[1]:
            return None
        key = normalise_key(node_text(arg, self.src))
        rest = key[len(kp[0]):] if key.startswith(kp[0]) else None
        if rest is None or rest and not MEMBER_PATH.fullmatch(rest):
            return None
        return pindex[kp[0]], rest

    def _param_member(self, arg: tree_sitter.Node | None, pindex: dict[str, int]) -> tuple[int, str] | None:
        """:meth:`_param_path` of a lock argument, which names a member
        (``&p->lock``)."""
        path = self._param_path(arg, pindex)
        return path if path is not None and path[1] else None

    def _releases(self, stmt: tree_sitter.Node, family: str, member: tuple[int, str], pindex: dict[str, int]) -> bool:
        """Whether a statement is a release of the lock ``member`` names."""
        call = _statement_call(stmt)
        if call is None:
            return False
        fn = call.child_by_field_name("function")
        op = self.seeds.lock_ops.get(node_text(fn, self.src)) if fn is not None and fn.type == "identifier" else None
        if op is None or op[0] != "release" or op[2] != family:
            return False
        return self._param_member(_arg(call.child_by_field_name("arguments"), op[3]), pindex) == member

    def _released_before(self, ret: tree_sitter.Node, family: str, member: tuple[int, str], pindex: dict[str, int]) -> bool:
        """Whether the statement before ``ret`` in its block releases the lock."""
        prev = ret.prev_named_sibling
        while prev is not None and prev.type == "comment":
            prev = prev.prev_named_sibling
        return prev is not None and self._releases(prev, family, member, pindex)

    def _passes(self, body: tree_sitter.Node, pindex: dict[str, int]) -> tuple:
        """The calls at the top level of the body (``f(p);``, ``ret =
        f(&p->x);``, ``return f(p);``) that hand on a pointer parameter
        (``pindex``) or a member of one: through them a lock the callee
        takes is the caller's too.

        Returns:
            ((callee, argument index, parameter index, path, line), ...):
            path is what the argument adds to the parameter, with "&" in
            front when it passes an address (``&st->adis`` -> ``&->adis``).
        """
        src = self.src
        out = []
        for stmt in body.named_children:
            expr = stmt.named_children[0] if stmt.type in ("expression_statement", "return_statement") and stmt.named_children else None
            if expr is not None and expr.type == "assignment_expression":
                expr = expr.child_by_field_name("right")
            if expr is None or expr.type != "call_expression":
                continue
            fn = expr.child_by_field_name("function")
            if fn is None or fn.type != "identifier" or node_text(fn, src) in self.seeds.lock_ops:
                continue
            args = [a for a in (expr.child_by_field_name("arguments") or body).named_children if a.type != "comment"]
            for ai, a in enumerate(args):
                path = self._param_path(a, pindex)
                amp = "&" if normalise_text(node_text(a, src)).startswith("&") else ""
                if path is None or amp and not path[1]:
                    continue
                out.append((node_text(fn, src), ai, path[0], amp + path[1], expr.start_point.row + 1))
        return tuple(out)

    def _lock_candidates(self, caps: dict, body: tree_sitter.Node, header: bytes, params: list[_Param],
                         pindex: dict[str, int], locals_: dict[str, str], ret_type: str) -> tuple:
        """A function that returns holding a lock it took, and one that
        drops a lock it did not take.

        Returns:
            (lock, release): lock is (variant, key, line, annotation line,
            type, whether a return comes before the acquire) or None; release is (variant, key, line, type), ("via",
            names of the calls at its top level) for a function that takes
            and drops no lock itself, or None.
            key is ("param", i, path), ("result", path) or ("global",
            root, path, file); type is the struct type of the parameter or
            the result ("" for a global lock).
        """
        src = self.src
        seeds = self.seeds
        returned = set()
        for r in caps.get("return", ()):
            for c in self._classify(next((c for c in r.named_children if c.type != "comment"), None)):
                if c[0] == "var":
                    returned.add(c[1])
        result_var = next(iter(returned)) if len(returned) == 1 else None
        acquires: dict[tuple, tuple] = {}
        releases: set[tuple] = set()
        released_families: set[str] = set()
        top_releases: list[tuple] = []
        acquired_families: set[str] = set()
        for call in caps.get("call", ()):
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "identifier":
                continue
            op = seeds.lock_ops.get(node_text(fn, src))
            if op is None:
                continue
            kind, variant, family, argi = op
            if argi < 0:
                # irqs, preemption, RCU: a state of the CPU, not a lock of an
                # object; a function that leaves one changed (machine_halt,
                # a seq_file start) is no lock wrapper to pair
                continue
            arg = _arg(call.child_by_field_name("arguments"), argi)
            kp = key_path(arg, src) if arg is not None else None
            key: tuple | None = None
            if kp is not None:
                root, path = kp
                if root in pindex:
                    key = ("param", pindex[root], path)
                elif root == result_var and root in locals_:
                    key = ("result", path)
                elif root not in locals_:
                    key = ("global", root, path, self.path)
            top = (call.parent is not None and call.parent.type in ("expression_statement", "return_statement")
                   and call.parent.parent == body)
            if kind in ("acquire", "try"):
                acquired_families.add(family)
                if key is not None and kind == "acquire":
                    acquires.setdefault((variant, key), (call.start_point.row + 1, top, call.start_byte))
                else:
                    acquires.setdefault(("?", ("?",)), (0, False, 0))
            else:
                released_families.add(family)
                if key is not None:
                    releases.add((family, key))
                    if top:
                        top_releases.append((variant, key, call.start_point.row + 1))
        lock = release = None
        annotated = _annotation_line(header, b"__acquires", body.start_point.row + 1 - header.count(b"\n"))
        if len(acquires) == 1:
            (variant, key), (line, top, at) = next(iter(acquires.items()))
            if variant != "?" and (seeds.lock_family[variant], key) not in releases and (top or annotated):
                # a return before the acquire: it holds the lock only when it
                # got that far (htab_lock_bucket() returns -EBUSY first)
                early = any(r.start_byte < at for r in caps.get("return", ()))
                lock = (variant, key, line, annotated, _key_type(key, params, ret_type), early)
        if len(top_releases) == 1 and not acquired_families:
            variant, key, line = top_releases[0]
            if key[0] != "result":
                release = (variant, key, line, _key_type(key, params, ret_type))
        elif not acquired_families and not released_families:
            # may release through a callee (rtnl_unlock() -> netdev_run_todo()
            # -> __rtnl_unlock()): the calls at its top level
            calls = []
            for c in caps.get("call", ()):
                fn = c.child_by_field_name("function")
                if fn is not None and fn.type == "identifier" and c.parent is not None \
                        and c.parent.type == "expression_statement" and c.parent.parent == body:
                    calls.append(node_text(fn, src))
            if calls:
                return lock, ("via", tuple(dict.fromkeys(calls)))
        return lock, release


# ---------------------------------------------------------------------- helpers


def _top_level(root: tree_sitter.Node):
    """The definitions at the top level (the translation unit and the
    ``#if`` blocks in it), as cmap/functions.py reads them."""
    stack = [root]
    while stack:
        n = stack.pop()
        for c in n.children:
            if c.type in _CONTAINERS:
                stack.append(c)
            else:
                yield c


def _guard_end(call: tree_sitter.Node, scoped: bool, body: tree_sitter.Node) -> int:
    """Where the lock of a cleanup.h guard is dropped: the end of what
    ``scoped_guard(CLASS, args)`` guards (a block, or the one statement
    after it), the end of the block a ``guard(CLASS)(args);`` sits in.

    ``scoped_guard(spinlock_irq, &port->lock)\n\t\t++port->count;``
    (drivers/tty/tty_port.c) parses as one statement, the increment
    applied to the macro's call: the guard ends with that statement."""
    stmt: tree_sitter.Node | None = call
    while stmt is not None and stmt != body and not stmt.type.endswith("statement"):
        stmt = stmt.parent
    if scoped and stmt is not None and stmt != body:
        nxt = stmt.next_named_sibling
        if nxt is not None and (nxt.type == "compound_statement" or (stmt.child_count and stmt.children[-1].is_missing)):
            return nxt.end_byte
        return stmt.end_byte
    n: tree_sitter.Node | None = call
    while n is not None and n != body:
        if n.type == "compound_statement":
            return n.end_byte
        n = n.parent
    return body.end_byte


def _arg(args_node: tree_sitter.Node | None, index: int) -> tree_sitter.Node | None:
    if args_node is None:
        return None
    args = [a for a in args_node.named_children if a.type != "comment"]
    if index < 0:
        index += len(args)
    return args[index] if 0 <= index < len(args) else None


def _statement_call(stmt: tree_sitter.Node) -> tree_sitter.Node | None:
    """The call an expression statement is (``f(x);``), else None."""
    expr = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
    return expr if expr is not None and expr.type == "call_expression" else None


def key_path(node: tree_sitter.Node | None, src: bytes) -> tuple[str, tuple[str, ...]] | None:
    """The variable an lvalue expression is rooted at, and the member path
    from it: ``&p->lock`` -> ("p", ("lock",)), ``&foo_lock`` -> ("foo_lock",
    ()), ``&x->a.b[i]`` -> ("x", ("a", "b", "[]")); None for anything else
    (a call, arithmetic)."""
    path: list[str] = []
    n: tree_sitter.Node | None = node
    for _ in range(16):
        if n is None:
            return None
        t = n.type
        if t == "identifier":
            return node_text(n, src), tuple(reversed(path))
        if t == "pointer_expression":
            op = n.child_by_field_name("operator")
            if op is None or op.type != "&":
                return None
            n = n.child_by_field_name("argument")
        elif t == "parenthesized_expression":
            n = next((c for c in n.named_children if c.type != "comment"), None)
        elif t == "cast_expression":
            n = n.child_by_field_name("value")
        elif t == "field_expression":
            f = n.child_by_field_name("field")
            if f is None:
                return None
            path.append(node_text(f, src))
            n = n.child_by_field_name("argument")
        elif t == "subscript_expression":
            path.append("[]")
            n = n.child_by_field_name("argument")
        else:
            return None
    return None


def _key_type(key: tuple, params: list[_Param], ret_type: str) -> str:
    if key[0] == "param":
        return params[key[1]].type
    if key[0] == "result":
        return ret_type
    return ""


def _annotation_line(header: bytes, word: bytes, first_line: int) -> int:
    i = header.find(word + b"(")
    if i < 0:
        return 0
    return first_line + header.count(b"\n", 0, i)


def _params(fdecl: tree_sitter.Node, src: bytes) -> list[_Param]:
    plist = fdecl.child_by_field_name("parameters")
    out: list[_Param] = []
    if plist is None:
        return out
    for p in plist.named_children:
        if p.type != "parameter_declaration":
            continue
        d = p.child_by_field_name("declarator")
        name = _declarator_name(d, src) if d is not None else None
        if d is None or name is None:
            continue
        out.append(_Param(name, _type_name(p.child_by_field_name("type"), src), d.type == "pointer_declarator"))
    return out


def _defined_by_macro(fdecl: tree_sitter.Node, src: bytes) -> bool:
    """A "function" whose parameter list holds a bare name, no type: a
    macro that defines one (``DEFINE_FOO(name) {``)."""
    plist = fdecl.child_by_field_name("parameters")
    if plist is None:
        return False
    for p in plist.named_children:
        if p.type == "parameter_declaration" and p.child_by_field_name("declarator") is None:
            typ = p.child_by_field_name("type")
            if typ is not None and typ.type == "type_identifier":
                return True
    return False


def _type_name(typ: tree_sitter.Node | None, src: bytes) -> str:
    if typ is None:
        return ""
    if typ.type in ("struct_specifier", "union_specifier"):
        n = typ.child_by_field_name("name")
        return "struct " + node_text(n, src) if n is not None else ""
    return node_text(typ, src)


def _declarator_name(node: tree_sitter.Node | None, src: bytes) -> str | None:
    for _ in range(16):
        if node is None:
            return None
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            return node_text(node, src)
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            nxt = next((c for c in node.named_children if c.type not in ("comment", "attribute_specifier")), None)
        node = nxt
    return None


def _find(node: tree_sitter.Node | None, typ: str) -> tree_sitter.Node | None:
    for _ in range(16):
        if node is None or node.type == typ:
            return node
        node = node.child_by_field_name("declarator")
    return None


def _has(node: tree_sitter.Node, typ: str) -> bool:
    return _find(node, typ) is not None or any(c.type == typ for c in node.named_children)


def _dedupe(calls: list[Call]) -> tuple[Call, ...]:
    seen = set()
    out = []
    for c in calls:
        k = (c[0], c[2])
        if k not in seen:
            seen.add(k)
            out.append(c)
    return tuple(out)


def _suffix_stop(name: str, seeds: Seeds) -> tuple[str, int] | None:
    for suffix in seeds.atomic_suffix:
        if name.endswith(suffix):
            return (f"named *{suffix}", 0)
    return None


def split_args(text: str, open_paren: int) -> list[str] | None:
    """The top-level comma-separated arguments of the parenthesis at
    ``open_paren``; None when it is not closed."""
    depth = 0
    args = []
    start = open_paren + 1
    i = open_paren
    n = len(text)
    in_str = None
    while i < n:
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 2
                continue
            if ch == in_str:
                in_str = None
        elif ch in "\"'":
            in_str = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                args.append(text[start:i])
                return args
        elif ch == "," and depth == 1:
            args.append(text[start:i])
            start = i + 1
        i += 1
    return None


def _in_directive(text: str, pos: int) -> bool:
    """Whether ``pos`` lies on a preprocessor line (with its continuations)."""
    start = text.rfind("\n", 0, pos) + 1
    while start > 1 and text[start - 2] == "\\":
        start = text.rfind("\n", 0, start - 1) + 1
    return text[start:pos].lstrip().startswith("#")


def _in_comment(text: str, pos: int) -> bool:
    """Whether ``pos`` lies in a ``/* */`` comment or after ``//`` on its
    line (include/linux/cleanup.h documents ``DEFINE_FREE(name, type, free)``)."""
    if text.rfind("/*", 0, pos) > text.rfind("*/", 0, pos):
        return True
    return "//" in text[text.rfind("\n", 0, pos) + 1:pos]


def _first_call(expr: str, seeds: Seeds) -> str:
    for m in _CALL_IN_TEXT.finditer(expr):
        name = m.group(1)
        if name in _NOT_CALLS or name in seeds.error_checks or name.startswith("__builtin"):
            continue
        return name
    return ""


def _tolerance(release: str, seeds: Seeds) -> tuple[str, str]:
    """Whether a release expression tolerates an ERR_PTR (it tests
    IS_ERR_OR_NULL or IS_ERR first), only NULL, or nothing."""
    for call in _CALL_IN_TEXT.finditer(release):
        if call.group(1) in seeds.error_checks:
            return "err_ptr", call.group(1)
    m = re.search(r"\bif\s*\(", release)
    if m is not None:
        args = split_args(release, m.end() - 1)
        return "null", f"if ({args[0].strip()})" if args else "if"
    return "none", ""


# ---------------------------------------------------------------------- kernel-doc


class _Doc(NamedTuple):
    lines: list[str]  # the comment's lines, leading " * " removed
    first_line: int  # line of the comment's first line in the file


def _kernel_doc(src: bytes, start: int, name: str) -> _Doc | None:
    """The ``/** ... */`` comment right before a definition, when its first
    line names the function."""
    end = start
    while end > 0 and src[end - 1] in b" \t\r\n":
        end -= 1
    if src[end - 2:end] != b"*/":
        return None
    begin = src.rfind(b"/*", max(0, end - 16384), end - 2)
    if begin < 0 or src[begin:begin + 3] != b"/**":
        return None
    text = src[begin + 3:end - 2].decode("utf-8", "replace")
    lines = [re.sub(r"^\s*\*? ?", "", ln) for ln in text.split("\n")]
    first = next((ln for ln in lines if ln.strip()), "")
    m = _DOC_NAME.match(first)
    if m is None or m.group(1) != name:
        return None
    return _Doc(lines, src.count(b"\n", 0, begin) + 1)


def _section(doc: _Doc, names: tuple[str, ...]) -> list[tuple[int, str]]:
    """The lines of the first section whose header is one of ``names``
    ("Context", "Return"), as (file line, text)."""
    out: list[tuple[int, str]] = []
    inside = False
    for i, ln in enumerate(doc.lines):
        m = _SECTION.match(ln)
        if m is not None:
            if inside:
                break
            if m.group(1).strip().lower() in names:
                inside = True
                out.append((doc.first_line + i, ln[m.end():]))
            continue
        if inside:
            if not ln.strip():
                break
            out.append((doc.first_line + i, ln))
    return out


def _doc_context(doc: _Doc, seeds: Seeds) -> tuple[str, str, int] | None:
    """What a kernel-doc "Context:" section says: ("sleep" | "atomic",
    phrase, line); None when it says neither or both."""
    sec = _section(doc, ("context",))
    if not sec:
        return None
    text = " ".join(t for _l, t in sec).lower()
    text = " ".join(text.split())
    atomic = [p for p in seeds.doc_atomic if p in text]
    rest = text
    for p in atomic:
        rest = rest.replace(p, " ")
    sleeps = [p for p in seeds.doc_sleeps if p in rest]
    if bool(atomic) == bool(sleeps):
        return None
    phrase = (sleeps or atomic)[0]
    line = next((ln for ln, t in sec if phrase.split()[0] in t.lower()), sec[0][0])
    return ("sleep" if sleeps else "atomic", phrase, line)


def _about_argument(lines: list[str], i: int, col: int) -> bool:
    """Whether the sentence around line ``i``, column ``col`` names an
    argument (``@proto``): the release it mentions is the argument's
    ("On failure the @proto reference is at first put using
    @scmi_protocol_put()", drivers/firmware/arm_scmi/driver.c)."""
    before = " ".join(lines[max(0, i - 2):i] + [lines[i][:col]])
    after = " ".join([lines[i][col:]] + lines[i + 1:i + 3])
    start = max(before.rfind(". "), before.rfind(":")) + 1
    end = after.find(". ")
    sentence = before[start:] + (after if end < 0 else after[:end])
    return re.search(r"@[A-Za-z_]", sentence) is not None


def _doc_ref(doc: _Doc, seeds: Seeds) -> tuple[tuple[str, int] | None, int]:
    """The release a kernel-doc tells the caller to use on the result (and
    its line), and the line of a "Return: ... refcount incremented" phrase."""
    put = None
    for i, ln in enumerate(doc.lines):
        for m in _MENTION.finditer(ln):
            name = m.group(1)
            op = seeds.ref_ops.get(name)
            is_put = (op is not None and op[0] == "put") or any(w in name.split("_") for w in seeds.put_words)
            if not is_put:
                continue
            window = " ".join(doc.lines[max(0, i - 1):i + 2]).lower()
            if any(p in window for p in seeds.ref_doc) and not _about_argument(doc.lines, i, m.start()):
                put = (name, doc.first_line + i)
                break
        if put is not None:
            break
    ref_line = 0
    for line, text in _section(doc, ("return", "returns")):
        low = text.lower()
        if any(p in low for p in seeds.ref_doc_return):
            ref_line = line
            break
    if not ref_line and put is None:
        # "Return:" sections run over lines: look at the joined section too
        sec = _section(doc, ("return", "returns"))
        joined = " ".join(" ".join(t for _l, t in sec).lower().split())
        if sec and any(p in joined for p in seeds.ref_doc_return):
            ref_line = sec[0][0]
    return put, ref_line

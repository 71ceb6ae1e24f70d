"""Names and formulas for the backprop lab's nodes, with the live numbers filled in.

Pure string builders (no Streamlit): `forward_tex` and `backward_tex` write one step of each pass
as LaTeX, e.g. dL/dw = dL/dp * dp/dw = 0.23 * 0.51 = 0.117, using the same numbers the graph has.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.labs.graph import EdgeStep, Graph, Node

SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SYMBOL = {"input": "x", "weight": "w", "bias": "b", "product": "p", "sum": "z", "activation": "a"}
ACT_TEX = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{relu}"}


def num(v: float) -> str:
    """A value as the lab shows it everywhere: 4 significant digits, no '-0'."""
    text = f"{v:.4g}"
    return "0" if text in ("-0", "0") else text


def num_tex(v: float) -> str:
    """`num` for LaTeX: 1.2e-05 becomes 1.2 \\times 10^{-5}."""
    text = num(v)
    if "e" not in text:
        return text
    mantissa, exp = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exp)}}}"


def paren(v: float) -> str:
    """`num_tex`, bracketed when negative, for use after an operator: 2 \\cdot (-0.5)."""
    text = num_tex(v)
    return f"({text})" if text.startswith("-") else text


def _parts(node: Node) -> tuple[str, str, str]:
    """(symbol, layer superscript, 1-based index subscript) of a node."""
    if node.role == "output":
        return "ŷ", "", ""
    if node.role in ("target", "loss"):
        return ("y" if node.role == "target" else "L"), "", ""
    sup = "" if node.role == "input" else str(node.layer)
    return SYMBOL[node.role], sup, "".join(str(i + 1) for i in node.index)


def label(node: Node) -> str:
    """Plain-text name with Unicode super/subscripts, e.g. w¹₁₂ (for plotly labels)."""
    symbol, sup, sub = _parts(node)
    return symbol + sup.translate(SUP) + sub.translate(SUB)


def tex(node: Node) -> str:
    """LaTeX name, e.g. w^{(1)}_{12}."""
    symbol, sup, sub = _parts(node)
    symbol = r"\hat{y}" if symbol == "ŷ" else symbol
    return symbol + (f"^{{({sup})}}" if sup else "") + (f"_{{{sub}}}" if sub else "")


def forward_tex(graph: Graph, values: Sequence[float], node_id: int) -> str:
    """How node `node_id` got its value: its formula, the numbers put in, the result."""
    node = graph.nodes[node_id]
    names = [tex(graph.nodes[p]) for p in node.parents]
    vals = [paren(values[p]) for p in node.parents]
    out = f"{tex(node)} = "
    result = num_tex(values[node_id])
    if node.op == "mul":
        return out + rf"{names[0]} \cdot {names[1]} = {vals[0]} \cdot {vals[1]} = {result}"
    if node.op == "add":
        return out + f"{' + '.join(names)} = {' + '.join(vals)} = {result}"
    if node.op in ACT_TEX:
        f = ACT_TEX[node.op]
        return out + rf"{f}({names[0]}) = {f}({vals[0]}) = {result}"
    y_hat, y = vals
    if node.op == "mse":
        return out + rf"(\hat{{y}} - y)^2 = ({y_hat} - {y})^2 = {result}"
    return out + (
        rf"-[\,y \log \hat{{y}} + (1 - y) \log(1 - \hat{{y}})\,] = "
        rf"-[\,{y} \log {y_hat} + (1 - {y}) \log(1 - {y_hat})\,] = {result}"
    )


def local_tex(graph: Graph, child: int, parent: int) -> str:
    """The local derivative d child / d parent as a formula in the nodes' names."""
    node = graph.nodes[child]
    slot = node.parents.index(parent)
    if node.op == "mul":
        return tex(graph.nodes[node.parents[1 - slot]])
    if node.op == "add":
        return "1"
    a = tex(node)
    if node.op == "sigmoid":
        return rf"{a}\,(1 - {a})"
    if node.op == "tanh":
        return rf"1 - ({a})^2"
    if node.op == "relu":
        return rf"[\,{tex(graph.nodes[parent])} > 0\,]"
    if node.op == "mse":
        return r"2(\hat{y} - y)"
    return r"\frac{\hat{y} - y}{\hat{y}(1 - \hat{y})}"


def _d(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _loss_numbers(graph: Graph, values: Sequence[float], loss: int) -> str:
    y_hat, y = (values[p] for p in graph.nodes[loss].parents)
    if graph.nodes[loss].op == "mse":
        return rf"2\,({num_tex(y_hat)} - {paren(y)})"
    return rf"\frac{{{num_tex(y_hat)} - {paren(y)}}}{{{num_tex(y_hat)}\,(1 - {num_tex(y_hat)})}}"


def backward_tex(graph: Graph, values: Sequence[float], edge: EdgeStep) -> str:
    """One chain-rule term: dL/dparent (+)= dL/dchild * dchild/dparent, symbols then numbers."""
    child, parent = tex(graph.nodes[edge.child]), tex(graph.nodes[edge.parent])
    local = local_tex(graph, edge.child, edge.parent)
    accumulate = edge.term > 1
    lhs = _d("L", parent) + (r" \mathrel{+}= " if accumulate else " = ")
    result = num_tex(edge.contribution)
    if graph.nodes[edge.child].role == "loss":  # the first step: upstream is dL/dL = 1
        numbers = _loss_numbers(graph, values, edge.child)
        formula = rf"{lhs}{local} = {numbers} = {result}"
    else:
        upstream = _d("L", child)
        numbers = rf"{num_tex(edge.upstream)} \cdot {paren(edge.local)} = {result}"
        formula = (
            rf"{lhs}{upstream} \cdot {_d(child, parent)} = {upstream} \cdot {local} = {numbers}"
        )
    if accumulate:
        total = rf"{num_tex(edge.grad_before)} + {paren(edge.contribution)}"
        formula += (
            rf"\quad\Rightarrow\quad {_d('L', parent)} = {total} = {num_tex(edge.grad_after)}"
        )
    return formula

/// Capacity-aware assignment over the whole market: each participant to at most one offer, each
/// offer to at most its positions, maximising the total score. Exact: successive shortest paths
/// on integer costs with Johnson potentials (min-cost flow), stopping when no augmenting path
/// raises the total. Ties are broken by the order of the input, which callers sort by id.
public enum MarketAssignment {
    /// A suggested pair with its weight (score × 1 000 000, rounded).
    public struct Edge: Sendable, Hashable {
        /// The participant's index.
        public var participant: Int
        /// The offer's index.
        public var offer: Int
        /// The integer weight (higher is better).
        public var weight: Int

        /// An edge.
        public init(participant: Int, offer: Int, weight: Int) {
            self.participant = participant
            self.offer = offer
            self.weight = weight
        }
    }

    /// The scale from a score in [0, 1] to an integer weight.
    public static let scale = 1_000_000.0

    /// The chosen edges (indices into `edges`), for `participants` people and offers with `capacities`.
    public static func solve(participants: Int, capacities: [Int], edges: [Edge]) -> [Int] {
        let offers = capacities.count
        let source = participants + offers
        let sink = source + 1
        var graph = FlowGraph(nodes: sink + 1)
        for p in 0..<participants { graph.add(source, p, capacity: 1, cost: 0) }
        var pairArcs: [Int] = []
        for edge in edges { pairArcs.append(graph.add(edge.participant, participants + edge.offer, capacity: 1, cost: -edge.weight)) }
        for o in 0..<offers where capacities[o] > 0 { graph.add(participants + o, sink, capacity: capacities[o], cost: 0) }
        graph.maximiseGain(source: source, sink: sink, initialPotential: initialPotentials(graph, participants, offers, source, sink))
        return pairArcs.indices.filter { graph.arcs[pairArcs[$0]].capacity == 0 }
    }

    /// Shortest distances from the source in the initial (acyclic) graph: valid potentials.
    static func initialPotentials(_ graph: FlowGraph, _ participants: Int, _ offers: Int, _ source: Int, _ sink: Int) -> [Int] {
        var potential = [Int](repeating: 0, count: graph.nodes)
        for p in 0..<participants {
            for arc in graph.outgoing[p] where graph.arcs[arc].capacity > 0 {
                let to = graph.arcs[arc].to
                potential[to] = min(potential[to], graph.arcs[arc].cost)
            }
        }
        potential[sink] = (0..<offers).map { potential[participants + $0] }.min() ?? 0
        potential[source] = 0
        return potential
    }
}

/// A residual graph for min-cost flow.
struct FlowGraph {
    struct Arc {
        var to: Int
        var capacity: Int
        var cost: Int
    }

    let nodes: Int
    var arcs: [Arc] = []
    var outgoing: [[Int]]

    init(nodes: Int) {
        self.nodes = nodes
        outgoing = Array(repeating: [], count: nodes)
    }

    @discardableResult
    mutating func add(_ from: Int, _ to: Int, capacity: Int, cost: Int) -> Int {
        arcs.append(Arc(to: to, capacity: capacity, cost: cost))
        outgoing[from].append(arcs.count - 1)
        arcs.append(Arc(to: from, capacity: 0, cost: -cost))
        outgoing[to].append(arcs.count - 1)
        return arcs.count - 2
    }

    /// Augments one unit at a time along the cheapest path while that path has negative cost.
    mutating func maximiseGain(source: Int, sink: Int, initialPotential: [Int]) {
        var potential = initialPotential
        let infinity = Int.max / 4
        while true {
            var distance = [Int](repeating: infinity, count: nodes)
            var via = [Int](repeating: -1, count: nodes)
            distance[source] = 0
            var heap = MinHeap()
            heap.push((0, source))
            while let (d, node) = heap.pop() {
                if d > distance[node] { continue }
                for arc in outgoing[node] where arcs[arc].capacity > 0 {
                    let to = arcs[arc].to
                    let reduced = arcs[arc].cost + potential[node] - potential[to]
                    let next = d + reduced
                    if next < distance[to] {
                        distance[to] = next
                        via[to] = arc
                        heap.push((next, to))
                    }
                }
            }
            guard distance[sink] < infinity else { return }
            let realCost = distance[sink] - potential[source] + potential[sink]
            guard realCost < 0 else { return }
            // Capping at the sink's distance keeps reduced costs non-negative for nodes not reached.
            for node in 0..<nodes { potential[node] += min(distance[node], distance[sink]) }
            var node = sink
            while node != source {
                let arc = via[node]
                arcs[arc].capacity -= 1
                arcs[arc ^ 1].capacity += 1
                node = arcs[arc ^ 1].to
            }
        }
    }
}

/// A binary min-heap of (distance, node), ties by node for determinism.
struct MinHeap {
    private var items: [(Int, Int)] = []

    mutating func push(_ item: (Int, Int)) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Int, Int)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

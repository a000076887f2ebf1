/// Capacity-aware assignment over the whole market: each participant to at most one offer, each
/// offer to at most its positions, maximising the total score. Exact: min-cost flow on integer
/// costs by successive shortest paths, one participant at a time as the Hungarian method does,
/// each with an arc of cost 0 straight to the sink for "no offer". Each Dijkstra search starts at
/// its participant and stops at the sink, and potentials change only where it went, so a search
/// costs its neighbourhood of the graph, not the whole market. Ties are broken by the order of
/// the input, which callers sort by id.
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
        let sink = participants + offers
        var graph = FlowGraph(nodes: sink + 1)
        var pairArcs: [Int] = []
        for edge in edges { pairArcs.append(graph.add(edge.participant, participants + edge.offer, capacity: 1, cost: -edge.weight)) }
        for p in 0..<participants { graph.add(p, sink, capacity: 1, cost: 0) }
        for o in 0..<offers where capacities[o] > 0 { graph.add(participants + o, sink, capacity: capacities[o], cost: 0) }
        var potential = initialPotentials(graph, participants, offers, sink)
        var search = ShortestPathSearch(nodes: graph.nodes)
        for p in 0..<participants { search.augment(from: p, to: sink, in: &graph, potential: &potential) }
        return pairArcs.indices.filter { graph.arcs[pairArcs[$0]].capacity == 0 }
    }

    /// Potentials under which every arc of the empty flow has a non-negative reduced cost:
    /// 0 at participants, each offer's cheapest incoming arc, the least of those at the sink.
    static func initialPotentials(_ graph: FlowGraph, _ participants: Int, _ offers: Int, _ sink: Int) -> [Int] {
        var potential = [Int](repeating: 0, count: graph.nodes)
        for p in 0..<participants {
            for arc in graph.outgoing[p] where graph.arcs[arc].capacity > 0 {
                let to = graph.arcs[arc].to
                potential[to] = min(potential[to], graph.arcs[arc].cost)
            }
        }
        potential[sink] = min(0, (0..<offers).map { potential[participants + $0] }.min() ?? 0)
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
}

/// Dijkstra on reduced costs from one node to the sink, reusing its arrays between searches and
/// resetting only what a search touched.
struct ShortestPathSearch {
    static let infinity = Int.max / 4
    private var distance: [Int]
    private var via: [Int]
    private var done: [Bool]
    private var touched: [Int] = []
    private var heap = MinHeap()

    init(nodes: Int) {
        distance = Array(repeating: Self.infinity, count: nodes)
        via = Array(repeating: -1, count: nodes)
        done = Array(repeating: false, count: nodes)
    }

    /// Sends one unit from `start` to `sink` along the cheapest residual path, then moves the
    /// potentials so reduced costs stay non-negative: a node settled at distance d < D (the
    /// sink's) gains d − D, the rest none; a uniform shift by −D changes no reduced cost.
    mutating func augment(from start: Int, to sink: Int, in graph: inout FlowGraph, potential: inout [Int]) {
        distance[start] = 0
        touched.append(start)
        heap.push((0, start))
        var settled: [Int] = []
        while let (d, node) = heap.pop() {
            if done[node] || d > distance[node] { continue }
            done[node] = true
            settled.append(node)
            if node == sink { break }
            for arc in graph.outgoing[node] where graph.arcs[arc].capacity > 0 {
                let to = graph.arcs[arc].to
                if done[to] { continue }
                let next = d + graph.arcs[arc].cost + potential[node] - potential[to]
                if next < distance[to] {
                    if distance[to] == Self.infinity { touched.append(to) }
                    distance[to] = next
                    via[to] = arc
                    heap.push((next, to))
                }
            }
        }
        heap.removeAll()
        // The sink is always reached: every participant has its own arc to it.
        let total = distance[sink]
        for node in settled { potential[node] += distance[node] - total }
        var node = sink
        while node != start {
            let arc = via[node]
            graph.arcs[arc].capacity -= 1
            graph.arcs[arc ^ 1].capacity += 1
            node = graph.arcs[arc ^ 1].to
        }
        for node in touched {
            distance[node] = Self.infinity
            via[node] = -1
            done[node] = false
        }
        touched.removeAll(keepingCapacity: true)
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

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

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

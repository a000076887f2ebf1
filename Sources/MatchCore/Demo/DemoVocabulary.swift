import Foundation

/// The words the demo data set is made of: fictional people and workplaces with Swedish names,
/// the occupations supported employment most often leads to, and the skills they ask for.
enum DemoVocabulary {
    /// The förbund the demo shows: a real association's shape (its members are the region, the
    /// state agencies and three municipalities), with every person in it invented.
    static let forbundName = "Samordningsförbundet Östra Östergötland (demo)"
    /// The member municipalities' kommunkoder: Norrköping, Söderköping, Valdemarsvik.
    static let memberMunicipalities = ["0581", "0582", "0563"]
    /// Where participants live, as weights over the member municipalities.
    static let homeWeights = [70, 16, 14]
    /// Where employers are, as weights over Östergötland's municipalities.
    static let employerMunicipalities: [(code: String, weight: Int)] = [
        ("0581", 58), ("0582", 9), ("0563", 7), ("0580", 12), ("0562", 4), ("0561", 3), ("0583", 3), ("0586", 2),
        ("0513", 1), ("0560", 1),
    ]

    /// The förbund's members, as `member_agencies` kinds and names.
    static let members: [(kind: String, name: String)] = [
        ("forsakringskassan", "Försäkringskassan"), ("arbetsformedlingen", "Arbetsförmedlingen"),
        ("region", "Region Östergötland"), ("kommun", "Norrköpings kommun"), ("kommun", "Söderköpings kommun"),
        ("kommun", "Valdemarsviks kommun"),
    ]

    /// An occupation offers are made for: its SSYK 2012 unit group, the offer's title, and the
    /// skills such a workplace asks for.
    struct Occupation {
        let code: String
        let title: String
        let skills: [String]
        let trade: String
    }

    static let occupations: [Occupation] = [
        .init(code: "9111", title: "Lokalvårdare", skills: ["städmaskin", "hygienrutiner"], trade: "Städservice"),
        .init(code: "9412", title: "Köksbiträde", skills: ["hygienpass", "disk"], trade: "Restaurang"),
        .init(code: "5230", title: "Kassabiträde", skills: ["kassavana", "kundbemötande"], trade: "Livs"),
        .init(code: "4322", title: "Lagermedarbetare", skills: ["truckkort", "plock"], trade: "Lager & Logistik"),
        .init(code: "9332", title: "Varupåfyllare", skills: ["plock", "kundbemötande"], trade: "Handel"),
        .init(code: "5330", title: "Vårdbiträde", skills: ["omvårdnad", "b-körkort"], trade: "Omsorg"),
        .init(code: "5152", title: "Fastighetsskötare", skills: ["b-körkort", "snöröjning"], trade: "Fastighetsservice"),
        .init(code: "6113", title: "Trädgårdsarbetare", skills: ["gräsklippning", "b-körkort"], trade: "Trädgård"),
        .init(code: "9120", title: "Bilrekonditionerare", skills: ["bilvård"], trade: "Bilvård"),
        .init(code: "9622", title: "Vaktmästare", skills: ["b-körkort", "enklare reparationer"], trade: "Service"),
        .init(code: "5223", title: "Butiksmedarbetare", skills: ["kundbemötande", "kassavana"], trade: "Butik"),
        .init(code: "9629", title: "Servicemedarbetare", skills: ["kundbemötande"], trade: "Second hand"),
        .init(code: "5131", title: "Serveringspersonal", skills: ["kundbemötande", "hygienpass"], trade: "Café"),
        .init(code: "4222", title: "Kundtjänstmedarbetare", skills: ["data", "kundbemötande"], trade: "Kundservice"),
        .init(code: "8214", title: "Montör, träprodukter", skills: ["handverktyg"], trade: "Snickeri"),
        .init(code: "5311", title: "Barnskötare", skills: ["barngrupp"], trade: "Förskola"),
        .init(code: "9411", title: "Snabbmatsbiträde", skills: ["hygienpass"], trade: "Grill"),
        .init(code: "5343", title: "Personlig assistent", skills: ["omvårdnad"], trade: "Assistans"),
        .init(code: "9621", title: "Tidningsbud", skills: ["cykel"], trade: "Distribution"),
        .init(code: "8213", title: "Montör, plastprodukter", skills: ["maskinvana"], trade: "Industri"),
    ]

    static let givenNames = [
        "Anna", "Erik", "Maria", "Johan", "Sara", "Ahmed", "Fatima", "Mohammed", "Elin", "Karl", "Amina", "Lars", "Hodan",
        "Nils", "Ida", "Omar", "Linnéa", "Yusuf", "Emma", "Per", "Leyla", "Anders", "Samira", "Oskar", "Eva", "Ali", "Zahra",
        "Mikael", "Sofia", "Abdi", "Kristina", "Jonas", "Hanna", "Daniel", "Rahel", "Peter", "Aisha", "Magnus", "Malin", "Tesfay",
    ]
    static let familyNames = [
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
        "Hassan", "Ali", "Mohamed", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Yilmaz", "Lindberg",
        "Abdullahi", "Lindqvist", "Berg", "Axelsson", "Haile", "Sandberg", "Ek", "Holm", "Nyström", "Omar",
    ]
    static let streets = [
        "Industrigatan", "Kungsgatan", "Drottninggatan", "Hamngatan", "Skolgatan", "Storgatan", "Lagergatan", "Verkstadsgatan",
        "Norra Promenaden", "Södra Länken", "Bergslagsgatan", "Järngatan", "Åkerivägen", "Kvarngatan", "Ringvägen",
    ]
    static let placeWords = ["Norr", "Söder", "Öst", "Hamn", "Strand", "Berg", "Ek", "Lind", "Sjö", "Älv", "Bro", "Kvarn"]
    static let interests = [
        "Tycker om att arbeta med händerna", "Vill arbeta med människor", "Gillar ordning och reda", "Intresserad av mat och matlagning",
        "Vill arbeta utomhus", "Tycker om djur och natur", "Vill lära sig ett yrke från grunden", "Gillar att sköta om saker",
    ]
    static let contactRoles = ["Platschef", "Personalansvarig", "Butikschef", "Enhetschef", "Verksamhetsledare"]
    static let otherLanguages = ["ar", "so", "ti", "fa", "en", "pl", "bs"]
}

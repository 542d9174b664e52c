// Name and e-mail material for the customer pool, by the region whose currency a customer pays in.
// Plain lists rather than a faker library: a few hundred names are plenty for a demo, they load in no
// time, and the output cannot change when a dependency updates its locale data.

export interface Region {
  currency: 'EUR' | 'USD' | 'GBP';
  /** Share of the currency's customers who live here. */
  share: number;
  firstNames: readonly string[];
  lastNames: readonly string[];
  domains: readonly string[];
}

const words = (text: string): string[] => text.trim().split(/\s*,\s*/);

export const REGIONS: readonly Region[] = [
  {
    currency: 'EUR',
    share: 0.35,
    firstNames: words(
      'Lukas, Anna, Jonas, Lea, Felix, Hannah, Maximilian, Sophie, Paul, Marie, Jürgen, Katrin',
    ),
    lastNames: words(
      'Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Hoffmann, Schäfer, Koch',
    ),
    domains: words('gmail.com, web.de, gmx.de, t-online.de, outlook.de, posteo.de'),
  },
  {
    currency: 'EUR',
    share: 0.25,
    firstNames: words('Camille, Louis, Chloé, Hugo, Léa, Gabriel, Manon, Arthur, Inès, Jules, Zoé, Théo'),
    lastNames: words(
      'Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Lefèvre, Moreau, Girard',
    ),
    domains: words('gmail.com, orange.fr, free.fr, laposte.net, sfr.fr, outlook.fr'),
  },
  {
    currency: 'EUR',
    share: 0.15,
    firstNames: words('Lucía, Hugo, Martina, Mateo, Sofía, Daniel, Paula, Pablo, Valeria, Álvaro'),
    lastNames: words('García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez'),
    domains: words('gmail.com, hotmail.es, yahoo.es, telefonica.net, outlook.es'),
  },
  {
    currency: 'EUR',
    share: 0.15,
    firstNames: words('Giulia, Leonardo, Francesca, Alessandro, Chiara, Lorenzo, Sara, Matteo, Aurora'),
    lastNames: words('Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Greco, Conti'),
    domains: words('gmail.com, libero.it, virgilio.it, alice.it, outlook.it'),
  },
  {
    currency: 'EUR',
    share: 0.1,
    firstNames: words('Daan, Emma, Sem, Julia, Lucas, Tess, Milan, Sanne, Bram, Fleur'),
    lastNames: words('de Jong, Jansen, de Vries, van den Berg, Bakker, Visser, Smit, Meijer, de Boer'),
    domains: words('gmail.com, ziggo.nl, kpnmail.nl, hotmail.nl, outlook.com'),
  },
  {
    currency: 'USD',
    share: 1,
    firstNames:
      words(`James, Olivia, Michael, Emma, William, Ava, David, Isabella, Ethan, Mia, Daniel, Harper,
      Jackson, Abigail, Aiden, Madison, Carlos, Aaliyah, Wei, Priya`),
    lastNames: words(`Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Moore,
      Jackson, Hernandez, Nguyen, Kim, Patel, Washington, Clark`),
    domains: words('gmail.com, yahoo.com, outlook.com, icloud.com, hotmail.com, aol.com, proton.me'),
  },
  {
    currency: 'GBP',
    share: 1,
    firstNames: words(`Oliver, Amelia, George, Isla, Harry, Ava, Jack, Emily, Charlie, Poppy, Thomas, Freya,
      Alfie, Grace, Rhys, Siobhan, Callum, Niamh`),
    lastNames: words(`Smith, Jones, Taylor, Brown, Williams, Wilson, Evans, Thomas, Roberts, Walker, Wright,
      O'Brien, Hughes, Edwards, Campbell, MacDonald`),
    domains: words('gmail.com, btinternet.com, yahoo.co.uk, hotmail.co.uk, outlook.com, sky.com'),
  },
];

/** ASCII letters only, for the local part of an address: "Lefèvre" -> "lefevre", "O'Brien" -> "obrien". */
const emailParts = new Map<string, string>();

export function emailPart(name: string): string {
  let part = emailParts.get(name);
  if (part === undefined) {
    part = asciiLower(name);
    emailParts.set(name, part);
  }
  return part;
}

function asciiLower(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

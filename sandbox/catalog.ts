/** Static word lists the seeded generator draws from. */

export interface City {
  city: string
  state: string
  country: string
  countryCode: string
  currencyCode: string
  timeZoneName: string
  language: string
  lat: number
  lng: number
  zip: string
  streets: readonly string[]
  areas: readonly string[]
}

export const CITIES: readonly City[] = [
  { city: 'Lisbon', state: 'Lisboa', country: 'Portugal', countryCode: 'PT', currencyCode: 'EUR', timeZoneName: 'Europe/Lisbon', language: 'pt', lat: 38.7223, lng: -9.1393, zip: '1100-148', streets: ['Rua Augusta', 'Rua da Prata', 'Travessa do Carmo', 'Rua das Flores'], areas: ['Alfama', 'Baixa', 'Chiado', 'Príncipe Real'] },
  { city: 'Porto', state: 'Porto', country: 'Portugal', countryCode: 'PT', currencyCode: 'EUR', timeZoneName: 'Europe/Lisbon', language: 'pt', lat: 41.1579, lng: -8.6291, zip: '4050-253', streets: ['Rua de Santa Catarina', 'Rua das Flores', 'Rua de Cedofeita'], areas: ['Ribeira', 'Bonfim', 'Foz do Douro'] },
  { city: 'Lagos', state: 'Faro', country: 'Portugal', countryCode: 'PT', currencyCode: 'EUR', timeZoneName: 'Europe/Lisbon', language: 'pt', lat: 37.1028, lng: -8.6730, zip: '8600-315', streets: ['Rua 25 de Abril', 'Rua Cândido dos Reis'], areas: ['Meia Praia', 'old town'] },
  { city: 'Barcelona', state: 'Catalonia', country: 'Spain', countryCode: 'ES', currencyCode: 'EUR', timeZoneName: 'Europe/Madrid', language: 'es', lat: 41.3874, lng: 2.1686, zip: '08002', streets: ['Carrer de Ferran', 'Passeig de Gràcia', 'Carrer del Consell de Cent'], areas: ['Gràcia', 'El Born', 'Eixample', 'Barceloneta'] },
  { city: 'Madrid', state: 'Community of Madrid', country: 'Spain', countryCode: 'ES', currencyCode: 'EUR', timeZoneName: 'Europe/Madrid', language: 'es', lat: 40.4168, lng: -3.7038, zip: '28013', streets: ['Calle Mayor', 'Calle de Alcalá', 'Calle de Fuencarral'], areas: ['Malasaña', 'La Latina', 'Salamanca'] },
  { city: 'Seville', state: 'Andalusia', country: 'Spain', countryCode: 'ES', currencyCode: 'EUR', timeZoneName: 'Europe/Madrid', language: 'es', lat: 37.3891, lng: -5.9845, zip: '41004', streets: ['Calle Sierpes', 'Calle Betis'], areas: ['Triana', 'Santa Cruz'] },
  { city: 'Paris', state: 'Île-de-France', country: 'France', countryCode: 'FR', currencyCode: 'EUR', timeZoneName: 'Europe/Paris', language: 'fr', lat: 48.8566, lng: 2.3522, zip: '75004', streets: ['Rue de Rivoli', 'Rue des Martyrs', 'Rue Oberkampf'], areas: ['Le Marais', 'Montmartre', 'Saint-Germain'] },
  { city: 'Nice', state: "Provence-Alpes-Côte d'Azur", country: 'France', countryCode: 'FR', currencyCode: 'EUR', timeZoneName: 'Europe/Paris', language: 'fr', lat: 43.7102, lng: 7.2620, zip: '06300', streets: ['Promenade des Anglais', 'Rue de France'], areas: ['Vieux Nice', 'Port Lympia'] },
  { city: 'Rome', state: 'Lazio', country: 'Italy', countryCode: 'IT', currencyCode: 'EUR', timeZoneName: 'Europe/Rome', language: 'it', lat: 41.9028, lng: 12.4964, zip: '00186', streets: ['Via del Corso', 'Via Margutta', 'Via dei Coronari'], areas: ['Trastevere', 'Monti', 'Campo de’ Fiori'] },
  { city: 'Florence', state: 'Tuscany', country: 'Italy', countryCode: 'IT', currencyCode: 'EUR', timeZoneName: 'Europe/Rome', language: 'it', lat: 43.7696, lng: 11.2558, zip: '50122', streets: ['Via de’ Tornabuoni', 'Borgo San Frediano'], areas: ['Oltrarno', 'Santa Croce'] },
  { city: 'Berlin', state: 'Berlin', country: 'Germany', countryCode: 'DE', currencyCode: 'EUR', timeZoneName: 'Europe/Berlin', language: 'de', lat: 52.5200, lng: 13.4050, zip: '10178', streets: ['Torstraße', 'Kastanienallee', 'Oranienstraße'], areas: ['Mitte', 'Kreuzberg', 'Prenzlauer Berg'] },
  { city: 'Munich', state: 'Bavaria', country: 'Germany', countryCode: 'DE', currencyCode: 'EUR', timeZoneName: 'Europe/Berlin', language: 'de', lat: 48.1351, lng: 11.5820, zip: '80331', streets: ['Sendlinger Straße', 'Leopoldstraße'], areas: ['Schwabing', 'Altstadt'] },
  { city: 'London', state: 'England', country: 'United Kingdom', countryCode: 'GB', currencyCode: 'GBP', timeZoneName: 'Europe/London', language: 'en', lat: 51.5072, lng: -0.1276, zip: 'E1 6AN', streets: ['Brick Lane', 'Portobello Road', 'Upper Street'], areas: ['Shoreditch', 'Notting Hill', 'Islington'] },
  { city: 'Edinburgh', state: 'Scotland', country: 'United Kingdom', countryCode: 'GB', currencyCode: 'GBP', timeZoneName: 'Europe/London', language: 'en', lat: 55.9533, lng: -3.1883, zip: 'EH1 1RE', streets: ['Royal Mile', 'Rose Street'], areas: ['Old Town', 'Leith'] },
  { city: 'New York', state: 'New York', country: 'United States', countryCode: 'US', currencyCode: 'USD', timeZoneName: 'America/New_York', language: 'en', lat: 40.7128, lng: -74.0060, zip: '10012', streets: ['Bleecker Street', 'Bedford Avenue', 'Mulberry Street'], areas: ['SoHo', 'Williamsburg', 'West Village'] },
  { city: 'Miami', state: 'Florida', country: 'United States', countryCode: 'US', currencyCode: 'USD', timeZoneName: 'America/New_York', language: 'en', lat: 25.7617, lng: -80.1918, zip: '33139', streets: ['Ocean Drive', 'Collins Avenue'], areas: ['South Beach', 'Wynwood'] },
  { city: 'Austin', state: 'Texas', country: 'United States', countryCode: 'US', currencyCode: 'USD', timeZoneName: 'America/Chicago', language: 'en', lat: 30.2672, lng: -97.7431, zip: '78704', streets: ['South Congress Avenue', 'Rainey Street'], areas: ['SoCo', 'East Austin'] },
  { city: 'San Francisco', state: 'California', country: 'United States', countryCode: 'US', currencyCode: 'USD', timeZoneName: 'America/Los_Angeles', language: 'en', lat: 37.7749, lng: -122.4194, zip: '94110', streets: ['Valencia Street', 'Haight Street'], areas: ['the Mission', 'Haight-Ashbury'] },
  { city: 'Amsterdam', state: 'North Holland', country: 'Netherlands', countryCode: 'NL', currencyCode: 'EUR', timeZoneName: 'Europe/Amsterdam', language: 'nl', lat: 52.3676, lng: 4.9041, zip: '1015 CJ', streets: ['Prinsengracht', 'Herengracht', 'Haarlemmerstraat'], areas: ['Jordaan', 'De Pijp'] },
  { city: 'Mexico City', state: 'CDMX', country: 'Mexico', countryCode: 'MX', currencyCode: 'MXN', timeZoneName: 'America/Mexico_City', language: 'es', lat: 19.4326, lng: -99.1332, zip: '06700', streets: ['Calle Colima', 'Avenida Álvaro Obregón'], areas: ['Roma Norte', 'Condesa'] }
]

export const ADJECTIVES = ['Sunny', 'Cozy', 'Bright', 'Charming', 'Modern', 'Quiet', 'Elegant', 'Spacious', 'Stylish', 'Rustic', 'Airy', 'Historic'] as const

export const PROPERTY_KINDS: ReadonlyArray<{ word: string, propertyTypeId: number, bedrooms: readonly [number, number], roomType: string }> = [
  { word: 'studio', propertyTypeId: 1, bedrooms: [0, 0], roomType: 'entire_home' },
  { word: 'loft', propertyTypeId: 1, bedrooms: [1, 2], roomType: 'entire_home' },
  { word: 'apartment', propertyTypeId: 1, bedrooms: [1, 3], roomType: 'entire_home' },
  { word: 'flat', propertyTypeId: 1, bedrooms: [1, 2], roomType: 'entire_home' },
  { word: 'townhouse', propertyTypeId: 2, bedrooms: [2, 4], roomType: 'entire_home' },
  { word: 'villa', propertyTypeId: 5, bedrooms: [3, 5], roomType: 'entire_home' },
  { word: 'penthouse', propertyTypeId: 1, bedrooms: [2, 3], roomType: 'entire_home' },
  { word: 'guest room', propertyTypeId: 1, bedrooms: [1, 1], roomType: 'private_room' }
]

export const FEATURES = ['with balcony', 'with rooftop terrace', 'with garden', 'near the old town', 'by the river', 'with sea view', 'close to the metro', 'with workspace', 'with pool', 'near the market'] as const

export const FIRST_NAMES = ['Ana', 'João', 'Sofia', 'Lucas', 'Emma', 'Liam', 'Olivia', 'Noah', 'Mia', 'Hugo', 'Chloé', 'Léa', 'Marco', 'Giulia', 'Lukas', 'Hannah', 'Oliver', 'Amelia', 'Sven', 'Freya', 'Carlos', 'Lucía', 'Aiko', 'Kenji', 'Priya', 'Arjun', 'Fatima', 'Omar', 'Zoe', 'Ethan', 'Isabel', 'Mateo', 'Nora', 'Elias', 'Maya', 'Daniel'] as const

export const LAST_NAMES = ['Silva', 'Santos', 'Martin', 'Dubois', 'Rossi', 'Bianchi', 'Müller', 'Schmidt', 'Smith', 'Johnson', 'Brown', 'García', 'López', 'Fernández', 'Jansen', 'de Vries', 'Nakamura', 'Tanaka', 'Patel', 'Sharma', 'Haddad', 'Nielsen', 'Andersson', 'Kowalski', "O'Brien", 'Murphy', 'Costa', 'Ferreira', 'Novak', 'Horvat'] as const

export const GUEST_ORIGINS: ReadonlyArray<{ city: string, country: string, zip: string, locale: string }> = [
  { city: 'Austin', country: 'US', zip: 'TX 78705', locale: 'en' },
  { city: 'Toronto', country: 'CA', zip: 'M5V 2T6', locale: 'en' },
  { city: 'Manchester', country: 'GB', zip: 'M1 1AE', locale: 'en' },
  { city: 'Lyon', country: 'FR', zip: '69002', locale: 'fr' },
  { city: 'Hamburg', country: 'DE', zip: '20095', locale: 'de' },
  { city: 'Milan', country: 'IT', zip: '20121', locale: 'it' },
  { city: 'Valencia', country: 'ES', zip: '46001', locale: 'es' },
  { city: 'Rotterdam', country: 'NL', zip: '3011', locale: 'nl' },
  { city: 'Melbourne', country: 'AU', zip: '3000', locale: 'en' },
  { city: 'Osaka', country: 'JP', zip: '530-0001', locale: 'ja' },
  { city: 'São Paulo', country: 'BR', zip: '01310-100', locale: 'pt' },
  { city: 'Stockholm', country: 'SE', zip: '111 51', locale: 'sv' }
]

export interface Channel { channelId: number, channelName: string, source: string }

/** Hostaway channel ids and names, with how often each is drawn. */
export const CHANNELS: ReadonlyArray<readonly [Channel, number]> = [
  [{ channelId: 2018, channelName: 'airbnbOfficial', source: 'airbnbOfficial' }, 40],
  [{ channelId: 2005, channelName: 'bookingcom', source: 'bookingcom' }, 25],
  [{ channelId: 2002, channelName: 'homeaway', source: 'homeaway' }, 12],
  [{ channelId: 2000, channelName: 'direct', source: 'reservation' }, 13],
  [{ channelId: 2007, channelName: 'expedia', source: 'expedia' }, 5],
  [{ channelId: 2013, channelName: 'bookingengine', source: 'bookingengine' }, 5]
]

export const GUEST_MESSAGES = [
  'Hi {host}! We are really looking forward to our stay in {city}. What time can we check in on {arrival}?',
  'Hello, is there parking near the {kind}?',
  'Could you recommend a good restaurant nearby?',
  'We will arrive a bit late, around 10pm. Is self check-in possible?',
  'Thanks for the quick answer!',
  'Is it possible to leave our luggage after check-out?',
  'Is there a hair dryer and an iron in the {kind}?',
  'Just landed, on our way now.',
  'The wifi password does not seem to work, could you check?',
  'Everything is perfect, thank you!'
] as const

export const HOST_MESSAGES = [
  'Hi {guest}, thank you for booking! Check-in is from 3pm and check-out by 11am.',
  'Hello {guest}! Self check-in is available, I will send the door code the day before your arrival.',
  'Sure, there is a public garage two blocks away, about 20 per day.',
  'Of course! You can leave your luggage until 4pm.',
  'Welcome to {city}! Let me know if you need anything during your stay.',
  'The wifi password is on the fridge; I have just restarted the router.',
  'Thank you for staying with us, have a safe trip home!',
  'Yes, both are in the wardrobe of the main bedroom.'
] as const

import type { EventSerde } from '@orderflow/contracts';
import type { ReservationRepository } from '../db/reservation.repository';
import type { StockRepository } from '../db/stock.repository';

/** What every inventory handler works with; built once per running service. */
export interface HandlerDeps {
  schema: string;
  serde: EventSerde;
  stock: StockRepository;
  reservations: ReservationRepository;
}

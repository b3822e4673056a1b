import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { Writer } from 'protobufjs';
import { EncodedFlightData } from './encoded-flight-data';
import { protocol, type FlightProtocol } from './flight-protocol';

type P = typeof FlightProtocol.arrow.flight.protocol;
export type HandshakeRequest = FlightProtocol.arrow.flight.protocol.IHandshakeRequest;
export type HandshakeResponse = FlightProtocol.arrow.flight.protocol.IHandshakeResponse;
export type Criteria = FlightProtocol.arrow.flight.protocol.ICriteria;
export type FlightDescriptor = FlightProtocol.arrow.flight.protocol.IFlightDescriptor;
export type FlightInfo = FlightProtocol.arrow.flight.protocol.IFlightInfo;
export type PollInfo = FlightProtocol.arrow.flight.protocol.IPollInfo;
export type SchemaResult = FlightProtocol.arrow.flight.protocol.ISchemaResult;
export type Ticket = FlightProtocol.arrow.flight.protocol.ITicket;
export type FlightData = FlightProtocol.arrow.flight.protocol.IFlightData;
export type PutResult = FlightProtocol.arrow.flight.protocol.IPutResult;
export type Action = FlightProtocol.arrow.flight.protocol.IAction;
export type FlightResult = FlightProtocol.arrow.flight.protocol.IResult;
export type ActionType = FlightProtocol.arrow.flight.protocol.IActionType;
export type Empty = FlightProtocol.arrow.flight.protocol.IEmpty;

interface Codec<T> {
  encode(message: T, writer?: Writer): Writer;
  decode(bytes: Uint8Array): T;
}

// protobufjs hands out a Buffer under Node already; wrap anything else without copying.
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A FlightData built by `recordBatchesToFlightData` already is its wire form: passed through, not re-encoded. */
function serialize<T>(codec: Codec<T>, message: T): Buffer {
  if (!(message instanceof EncodedFlightData)) return asBuffer(codec.encode(message).finish());
  message.serialized = true;
  return message.encoded;
}

function method<Req, Res>(
  name: string,
  requestStream: boolean,
  responseStream: boolean,
  request: Codec<Req>,
  response: Codec<Res>,
): MethodDefinition<Req, Res> {
  return {
    path: `/arrow.flight.protocol.FlightService/${name}`,
    requestStream,
    responseStream,
    requestSerialize: (message) => serialize(request, message),
    requestDeserialize: (bytes) => request.decode(bytes),
    responseSerialize: (message) => serialize(response, message),
    responseDeserialize: (bytes) => response.decode(bytes),
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
  };
}

const codec = <K extends keyof P>(name: K): P[K] => protocol[name];

/**
 * The FlightService for grpc-js, built on the generated codecs: `server.addService(FLIGHT_SERVICE, impl)`
 * with PascalCase handler names, or `makeGenericClientConstructor(FLIGHT_SERVICE, 'FlightService')`.
 * FlightData is encoded by protobufjs's Writer, which copies `data_body` once into the message buffer,
 * except an EncodedFlightData (DoGet's batches), whose bytes already are the message.
 */
export const FLIGHT_SERVICE = {
  Handshake: method<HandshakeRequest, HandshakeResponse>('Handshake', true, true, codec('HandshakeRequest'), codec('HandshakeResponse')),
  ListFlights: method<Criteria, FlightInfo>('ListFlights', false, true, codec('Criteria'), codec('FlightInfo')),
  GetFlightInfo: method<FlightDescriptor, FlightInfo>('GetFlightInfo', false, false, codec('FlightDescriptor'), codec('FlightInfo')),
  PollFlightInfo: method<FlightDescriptor, PollInfo>('PollFlightInfo', false, false, codec('FlightDescriptor'), codec('PollInfo')),
  GetSchema: method<FlightDescriptor, SchemaResult>('GetSchema', false, false, codec('FlightDescriptor'), codec('SchemaResult')),
  DoGet: method<Ticket, FlightData>('DoGet', false, true, codec('Ticket'), codec('FlightData')),
  DoPut: method<FlightData, PutResult>('DoPut', true, true, codec('FlightData'), codec('PutResult')),
  DoExchange: method<FlightData, FlightData>('DoExchange', true, true, codec('FlightData'), codec('FlightData')),
  DoAction: method<Action, FlightResult>('DoAction', false, true, codec('Action'), codec('Result')),
  ListActions: method<Empty, ActionType>('ListActions', false, true, codec('Empty'), codec('ActionType')),
} satisfies ServiceDefinition;

export type FlightServiceDefinition = typeof FLIGHT_SERVICE;

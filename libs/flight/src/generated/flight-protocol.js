/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars*/
"use strict";

var $protobuf = require("protobufjs/minimal");

// Common aliases
var $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
var $toNumber = function (value) { return typeof value === "number" ? value : value.toNumber(); };

// Exported root namespace
var $root = $protobuf.roots["fraiseql-flight"] || ($protobuf.roots["fraiseql-flight"] = {});

$root.arrow = (function() {

    /**
     * Namespace arrow.
     * @exports arrow
     * @namespace
     */
    var arrow = {};

    arrow.flight = (function() {

        /**
         * Namespace flight.
         * @memberof arrow
         * @namespace
         */
        var flight = {};

        flight.protocol = (function() {

            /**
             * Namespace protocol.
             * @memberof arrow.flight
             * @namespace
             */
            var protocol = {};

            protocol.HandshakeRequest = (function() {

                /**
                 * Properties of a HandshakeRequest.
                 * @memberof arrow.flight.protocol
                 * @interface IHandshakeRequest
                 * @property {number|null} [protocolVersion] HandshakeRequest protocolVersion
                 * @property {Uint8Array|null} [payload] HandshakeRequest payload
                 */

                /**
                 * Constructs a new HandshakeRequest.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a HandshakeRequest.
                 * @implements IHandshakeRequest
                 * @constructor
                 * @param {arrow.flight.protocol.IHandshakeRequest=} [properties] Properties to set
                 */
                function HandshakeRequest(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * HandshakeRequest protocolVersion.
                 * @member {number} protocolVersion
                 * @memberof arrow.flight.protocol.HandshakeRequest
                 * @instance
                 */
                HandshakeRequest.prototype.protocolVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * HandshakeRequest payload.
                 * @member {Uint8Array} payload
                 * @memberof arrow.flight.protocol.HandshakeRequest
                 * @instance
                 */
                HandshakeRequest.prototype.payload = $util.newBuffer([]);

                /**
                 * Creates a new HandshakeRequest instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.HandshakeRequest
                 * @static
                 * @param {arrow.flight.protocol.IHandshakeRequest=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.HandshakeRequest} HandshakeRequest instance
                 */
                HandshakeRequest.create = function create(properties) {
                    return new HandshakeRequest(properties);
                };

                /**
                 * Encodes the specified HandshakeRequest message. Does not implicitly {@link arrow.flight.protocol.HandshakeRequest.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.HandshakeRequest
                 * @static
                 * @param {arrow.flight.protocol.IHandshakeRequest} message HandshakeRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                HandshakeRequest.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.protocolVersion != null && Object.hasOwnProperty.call(message, "protocolVersion"))
                        writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.protocolVersion);
                    if (message.payload != null && Object.hasOwnProperty.call(message, "payload"))
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.payload);
                    return writer;
                };

                /**
                 * Decodes a HandshakeRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.HandshakeRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.HandshakeRequest} HandshakeRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                HandshakeRequest.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.HandshakeRequest();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.protocolVersion = $toNumber(reader.uint64());
                                break;
                            }
                        case 2: {
                                message.payload = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for HandshakeRequest
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.HandshakeRequest
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                HandshakeRequest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.HandshakeRequest";
                };

                return HandshakeRequest;
            })();

            protocol.HandshakeResponse = (function() {

                /**
                 * Properties of a HandshakeResponse.
                 * @memberof arrow.flight.protocol
                 * @interface IHandshakeResponse
                 * @property {number|null} [protocolVersion] HandshakeResponse protocolVersion
                 * @property {Uint8Array|null} [payload] HandshakeResponse payload
                 */

                /**
                 * Constructs a new HandshakeResponse.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a HandshakeResponse.
                 * @implements IHandshakeResponse
                 * @constructor
                 * @param {arrow.flight.protocol.IHandshakeResponse=} [properties] Properties to set
                 */
                function HandshakeResponse(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * HandshakeResponse protocolVersion.
                 * @member {number} protocolVersion
                 * @memberof arrow.flight.protocol.HandshakeResponse
                 * @instance
                 */
                HandshakeResponse.prototype.protocolVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * HandshakeResponse payload.
                 * @member {Uint8Array} payload
                 * @memberof arrow.flight.protocol.HandshakeResponse
                 * @instance
                 */
                HandshakeResponse.prototype.payload = $util.newBuffer([]);

                /**
                 * Creates a new HandshakeResponse instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.HandshakeResponse
                 * @static
                 * @param {arrow.flight.protocol.IHandshakeResponse=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.HandshakeResponse} HandshakeResponse instance
                 */
                HandshakeResponse.create = function create(properties) {
                    return new HandshakeResponse(properties);
                };

                /**
                 * Encodes the specified HandshakeResponse message. Does not implicitly {@link arrow.flight.protocol.HandshakeResponse.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.HandshakeResponse
                 * @static
                 * @param {arrow.flight.protocol.IHandshakeResponse} message HandshakeResponse message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                HandshakeResponse.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.protocolVersion != null && Object.hasOwnProperty.call(message, "protocolVersion"))
                        writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.protocolVersion);
                    if (message.payload != null && Object.hasOwnProperty.call(message, "payload"))
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.payload);
                    return writer;
                };

                /**
                 * Decodes a HandshakeResponse message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.HandshakeResponse
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.HandshakeResponse} HandshakeResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                HandshakeResponse.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.HandshakeResponse();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.protocolVersion = $toNumber(reader.uint64());
                                break;
                            }
                        case 2: {
                                message.payload = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for HandshakeResponse
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.HandshakeResponse
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                HandshakeResponse.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.HandshakeResponse";
                };

                return HandshakeResponse;
            })();

            protocol.BasicAuth = (function() {

                /**
                 * Properties of a BasicAuth.
                 * @memberof arrow.flight.protocol
                 * @interface IBasicAuth
                 * @property {string|null} [username] BasicAuth username
                 * @property {string|null} [password] BasicAuth password
                 */

                /**
                 * Constructs a new BasicAuth.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a BasicAuth.
                 * @implements IBasicAuth
                 * @constructor
                 * @param {arrow.flight.protocol.IBasicAuth=} [properties] Properties to set
                 */
                function BasicAuth(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * BasicAuth username.
                 * @member {string} username
                 * @memberof arrow.flight.protocol.BasicAuth
                 * @instance
                 */
                BasicAuth.prototype.username = "";

                /**
                 * BasicAuth password.
                 * @member {string} password
                 * @memberof arrow.flight.protocol.BasicAuth
                 * @instance
                 */
                BasicAuth.prototype.password = "";

                /**
                 * Creates a new BasicAuth instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.BasicAuth
                 * @static
                 * @param {arrow.flight.protocol.IBasicAuth=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.BasicAuth} BasicAuth instance
                 */
                BasicAuth.create = function create(properties) {
                    return new BasicAuth(properties);
                };

                /**
                 * Encodes the specified BasicAuth message. Does not implicitly {@link arrow.flight.protocol.BasicAuth.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.BasicAuth
                 * @static
                 * @param {arrow.flight.protocol.IBasicAuth} message BasicAuth message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                BasicAuth.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.username != null && Object.hasOwnProperty.call(message, "username"))
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.username);
                    if (message.password != null && Object.hasOwnProperty.call(message, "password"))
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.password);
                    return writer;
                };

                /**
                 * Decodes a BasicAuth message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.BasicAuth
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.BasicAuth} BasicAuth
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                BasicAuth.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.BasicAuth();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 2: {
                                message.username = reader.string();
                                break;
                            }
                        case 3: {
                                message.password = reader.string();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for BasicAuth
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.BasicAuth
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                BasicAuth.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.BasicAuth";
                };

                return BasicAuth;
            })();

            protocol.Empty = (function() {

                /**
                 * Properties of an Empty.
                 * @memberof arrow.flight.protocol
                 * @interface IEmpty
                 */

                /**
                 * Constructs a new Empty.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents an Empty.
                 * @implements IEmpty
                 * @constructor
                 * @param {arrow.flight.protocol.IEmpty=} [properties] Properties to set
                 */
                function Empty(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * Creates a new Empty instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.Empty
                 * @static
                 * @param {arrow.flight.protocol.IEmpty=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.Empty} Empty instance
                 */
                Empty.create = function create(properties) {
                    return new Empty(properties);
                };

                /**
                 * Encodes the specified Empty message. Does not implicitly {@link arrow.flight.protocol.Empty.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.Empty
                 * @static
                 * @param {arrow.flight.protocol.IEmpty} message Empty message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Empty.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    return writer;
                };

                /**
                 * Decodes an Empty message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.Empty
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.Empty} Empty
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Empty.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.Empty();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for Empty
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.Empty
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                Empty.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.Empty";
                };

                return Empty;
            })();

            protocol.ActionType = (function() {

                /**
                 * Properties of an ActionType.
                 * @memberof arrow.flight.protocol
                 * @interface IActionType
                 * @property {string|null} [type] ActionType type
                 * @property {string|null} [description] ActionType description
                 */

                /**
                 * Constructs a new ActionType.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents an ActionType.
                 * @implements IActionType
                 * @constructor
                 * @param {arrow.flight.protocol.IActionType=} [properties] Properties to set
                 */
                function ActionType(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * ActionType type.
                 * @member {string} type
                 * @memberof arrow.flight.protocol.ActionType
                 * @instance
                 */
                ActionType.prototype.type = "";

                /**
                 * ActionType description.
                 * @member {string} description
                 * @memberof arrow.flight.protocol.ActionType
                 * @instance
                 */
                ActionType.prototype.description = "";

                /**
                 * Creates a new ActionType instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.ActionType
                 * @static
                 * @param {arrow.flight.protocol.IActionType=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.ActionType} ActionType instance
                 */
                ActionType.create = function create(properties) {
                    return new ActionType(properties);
                };

                /**
                 * Encodes the specified ActionType message. Does not implicitly {@link arrow.flight.protocol.ActionType.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.ActionType
                 * @static
                 * @param {arrow.flight.protocol.IActionType} message ActionType message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ActionType.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.type != null && Object.hasOwnProperty.call(message, "type"))
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.type);
                    if (message.description != null && Object.hasOwnProperty.call(message, "description"))
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.description);
                    return writer;
                };

                /**
                 * Decodes an ActionType message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.ActionType
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.ActionType} ActionType
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ActionType.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.ActionType();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.type = reader.string();
                                break;
                            }
                        case 2: {
                                message.description = reader.string();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for ActionType
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.ActionType
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                ActionType.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.ActionType";
                };

                return ActionType;
            })();

            protocol.Criteria = (function() {

                /**
                 * Properties of a Criteria.
                 * @memberof arrow.flight.protocol
                 * @interface ICriteria
                 * @property {Uint8Array|null} [expression] Criteria expression
                 */

                /**
                 * Constructs a new Criteria.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a Criteria.
                 * @implements ICriteria
                 * @constructor
                 * @param {arrow.flight.protocol.ICriteria=} [properties] Properties to set
                 */
                function Criteria(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * Criteria expression.
                 * @member {Uint8Array} expression
                 * @memberof arrow.flight.protocol.Criteria
                 * @instance
                 */
                Criteria.prototype.expression = $util.newBuffer([]);

                /**
                 * Creates a new Criteria instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.Criteria
                 * @static
                 * @param {arrow.flight.protocol.ICriteria=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.Criteria} Criteria instance
                 */
                Criteria.create = function create(properties) {
                    return new Criteria(properties);
                };

                /**
                 * Encodes the specified Criteria message. Does not implicitly {@link arrow.flight.protocol.Criteria.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.Criteria
                 * @static
                 * @param {arrow.flight.protocol.ICriteria} message Criteria message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Criteria.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.expression != null && Object.hasOwnProperty.call(message, "expression"))
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.expression);
                    return writer;
                };

                /**
                 * Decodes a Criteria message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.Criteria
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.Criteria} Criteria
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Criteria.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.Criteria();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.expression = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for Criteria
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.Criteria
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                Criteria.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.Criteria";
                };

                return Criteria;
            })();

            protocol.Action = (function() {

                /**
                 * Properties of an Action.
                 * @memberof arrow.flight.protocol
                 * @interface IAction
                 * @property {string|null} [type] Action type
                 * @property {Uint8Array|null} [body] Action body
                 */

                /**
                 * Constructs a new Action.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents an Action.
                 * @implements IAction
                 * @constructor
                 * @param {arrow.flight.protocol.IAction=} [properties] Properties to set
                 */
                function Action(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * Action type.
                 * @member {string} type
                 * @memberof arrow.flight.protocol.Action
                 * @instance
                 */
                Action.prototype.type = "";

                /**
                 * Action body.
                 * @member {Uint8Array} body
                 * @memberof arrow.flight.protocol.Action
                 * @instance
                 */
                Action.prototype.body = $util.newBuffer([]);

                /**
                 * Creates a new Action instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.Action
                 * @static
                 * @param {arrow.flight.protocol.IAction=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.Action} Action instance
                 */
                Action.create = function create(properties) {
                    return new Action(properties);
                };

                /**
                 * Encodes the specified Action message. Does not implicitly {@link arrow.flight.protocol.Action.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.Action
                 * @static
                 * @param {arrow.flight.protocol.IAction} message Action message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Action.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.type != null && Object.hasOwnProperty.call(message, "type"))
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.type);
                    if (message.body != null && Object.hasOwnProperty.call(message, "body"))
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.body);
                    return writer;
                };

                /**
                 * Decodes an Action message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.Action
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.Action} Action
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Action.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.Action();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.type = reader.string();
                                break;
                            }
                        case 2: {
                                message.body = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for Action
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.Action
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                Action.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.Action";
                };

                return Action;
            })();

            protocol.Result = (function() {

                /**
                 * Properties of a Result.
                 * @memberof arrow.flight.protocol
                 * @interface IResult
                 * @property {Uint8Array|null} [body] Result body
                 */

                /**
                 * Constructs a new Result.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a Result.
                 * @implements IResult
                 * @constructor
                 * @param {arrow.flight.protocol.IResult=} [properties] Properties to set
                 */
                function Result(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * Result body.
                 * @member {Uint8Array} body
                 * @memberof arrow.flight.protocol.Result
                 * @instance
                 */
                Result.prototype.body = $util.newBuffer([]);

                /**
                 * Creates a new Result instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.Result
                 * @static
                 * @param {arrow.flight.protocol.IResult=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.Result} Result instance
                 */
                Result.create = function create(properties) {
                    return new Result(properties);
                };

                /**
                 * Encodes the specified Result message. Does not implicitly {@link arrow.flight.protocol.Result.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.Result
                 * @static
                 * @param {arrow.flight.protocol.IResult} message Result message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Result.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.body != null && Object.hasOwnProperty.call(message, "body"))
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.body);
                    return writer;
                };

                /**
                 * Decodes a Result message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.Result
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.Result} Result
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Result.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.Result();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.body = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for Result
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.Result
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                Result.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.Result";
                };

                return Result;
            })();

            protocol.SchemaResult = (function() {

                /**
                 * Properties of a SchemaResult.
                 * @memberof arrow.flight.protocol
                 * @interface ISchemaResult
                 * @property {Uint8Array|null} [schema] SchemaResult schema
                 */

                /**
                 * Constructs a new SchemaResult.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a SchemaResult.
                 * @implements ISchemaResult
                 * @constructor
                 * @param {arrow.flight.protocol.ISchemaResult=} [properties] Properties to set
                 */
                function SchemaResult(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * SchemaResult schema.
                 * @member {Uint8Array} schema
                 * @memberof arrow.flight.protocol.SchemaResult
                 * @instance
                 */
                SchemaResult.prototype.schema = $util.newBuffer([]);

                /**
                 * Creates a new SchemaResult instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.SchemaResult
                 * @static
                 * @param {arrow.flight.protocol.ISchemaResult=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.SchemaResult} SchemaResult instance
                 */
                SchemaResult.create = function create(properties) {
                    return new SchemaResult(properties);
                };

                /**
                 * Encodes the specified SchemaResult message. Does not implicitly {@link arrow.flight.protocol.SchemaResult.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.SchemaResult
                 * @static
                 * @param {arrow.flight.protocol.ISchemaResult} message SchemaResult message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                SchemaResult.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.schema != null && Object.hasOwnProperty.call(message, "schema"))
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.schema);
                    return writer;
                };

                /**
                 * Decodes a SchemaResult message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.SchemaResult
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.SchemaResult} SchemaResult
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                SchemaResult.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.SchemaResult();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.schema = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for SchemaResult
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.SchemaResult
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                SchemaResult.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.SchemaResult";
                };

                return SchemaResult;
            })();

            protocol.FlightDescriptor = (function() {

                /**
                 * Properties of a FlightDescriptor.
                 * @memberof arrow.flight.protocol
                 * @interface IFlightDescriptor
                 * @property {arrow.flight.protocol.FlightDescriptor.DescriptorType|null} [type] FlightDescriptor type
                 * @property {Uint8Array|null} [cmd] FlightDescriptor cmd
                 * @property {Array.<string>|null} [path] FlightDescriptor path
                 */

                /**
                 * Constructs a new FlightDescriptor.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a FlightDescriptor.
                 * @implements IFlightDescriptor
                 * @constructor
                 * @param {arrow.flight.protocol.IFlightDescriptor=} [properties] Properties to set
                 */
                function FlightDescriptor(properties) {
                    this.path = [];
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * FlightDescriptor type.
                 * @member {arrow.flight.protocol.FlightDescriptor.DescriptorType} type
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @instance
                 */
                FlightDescriptor.prototype.type = 0;

                /**
                 * FlightDescriptor cmd.
                 * @member {Uint8Array} cmd
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @instance
                 */
                FlightDescriptor.prototype.cmd = $util.newBuffer([]);

                /**
                 * FlightDescriptor path.
                 * @member {Array.<string>} path
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @instance
                 */
                FlightDescriptor.prototype.path = $util.emptyArray;

                /**
                 * Creates a new FlightDescriptor instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @static
                 * @param {arrow.flight.protocol.IFlightDescriptor=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.FlightDescriptor} FlightDescriptor instance
                 */
                FlightDescriptor.create = function create(properties) {
                    return new FlightDescriptor(properties);
                };

                /**
                 * Encodes the specified FlightDescriptor message. Does not implicitly {@link arrow.flight.protocol.FlightDescriptor.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @static
                 * @param {arrow.flight.protocol.IFlightDescriptor} message FlightDescriptor message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                FlightDescriptor.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.type != null && Object.hasOwnProperty.call(message, "type"))
                        writer.uint32(/* id 1, wireType 0 =*/8).int32(message.type);
                    if (message.cmd != null && Object.hasOwnProperty.call(message, "cmd"))
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.cmd);
                    if (message.path != null && message.path.length)
                        for (var i = 0; i < message.path.length; ++i)
                            writer.uint32(/* id 3, wireType 2 =*/26).string(message.path[i]);
                    return writer;
                };

                /**
                 * Decodes a FlightDescriptor message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.FlightDescriptor} FlightDescriptor
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                FlightDescriptor.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.FlightDescriptor();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.type = reader.int32();
                                break;
                            }
                        case 2: {
                                message.cmd = reader.bytes();
                                break;
                            }
                        case 3: {
                                if (!(message.path && message.path.length))
                                    message.path = [];
                                message.path.push(reader.string());
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for FlightDescriptor
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.FlightDescriptor
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                FlightDescriptor.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.FlightDescriptor";
                };

                /**
                 * DescriptorType enum.
                 * @name arrow.flight.protocol.FlightDescriptor.DescriptorType
                 * @enum {number}
                 * @property {number} UNKNOWN=0 UNKNOWN value
                 * @property {number} PATH=1 PATH value
                 * @property {number} CMD=2 CMD value
                 */
                FlightDescriptor.DescriptorType = (function() {
                    var valuesById = {}, values = Object.create(valuesById);
                    values[valuesById[0] = "UNKNOWN"] = 0;
                    values[valuesById[1] = "PATH"] = 1;
                    values[valuesById[2] = "CMD"] = 2;
                    return values;
                })();

                return FlightDescriptor;
            })();

            protocol.FlightInfo = (function() {

                /**
                 * Properties of a FlightInfo.
                 * @memberof arrow.flight.protocol
                 * @interface IFlightInfo
                 * @property {Uint8Array|null} [schema] FlightInfo schema
                 * @property {arrow.flight.protocol.IFlightDescriptor|null} [flightDescriptor] FlightInfo flightDescriptor
                 * @property {Array.<arrow.flight.protocol.IFlightEndpoint>|null} [endpoint] FlightInfo endpoint
                 * @property {number|null} [totalRecords] FlightInfo totalRecords
                 * @property {number|null} [totalBytes] FlightInfo totalBytes
                 * @property {boolean|null} [ordered] FlightInfo ordered
                 * @property {Uint8Array|null} [appMetadata] FlightInfo appMetadata
                 */

                /**
                 * Constructs a new FlightInfo.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a FlightInfo.
                 * @implements IFlightInfo
                 * @constructor
                 * @param {arrow.flight.protocol.IFlightInfo=} [properties] Properties to set
                 */
                function FlightInfo(properties) {
                    this.endpoint = [];
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * FlightInfo schema.
                 * @member {Uint8Array} schema
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.schema = $util.newBuffer([]);

                /**
                 * FlightInfo flightDescriptor.
                 * @member {arrow.flight.protocol.IFlightDescriptor|null|undefined} flightDescriptor
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.flightDescriptor = null;

                /**
                 * FlightInfo endpoint.
                 * @member {Array.<arrow.flight.protocol.IFlightEndpoint>} endpoint
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.endpoint = $util.emptyArray;

                /**
                 * FlightInfo totalRecords.
                 * @member {number} totalRecords
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.totalRecords = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

                /**
                 * FlightInfo totalBytes.
                 * @member {number} totalBytes
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.totalBytes = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

                /**
                 * FlightInfo ordered.
                 * @member {boolean} ordered
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.ordered = false;

                /**
                 * FlightInfo appMetadata.
                 * @member {Uint8Array} appMetadata
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @instance
                 */
                FlightInfo.prototype.appMetadata = $util.newBuffer([]);

                /**
                 * Creates a new FlightInfo instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @static
                 * @param {arrow.flight.protocol.IFlightInfo=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.FlightInfo} FlightInfo instance
                 */
                FlightInfo.create = function create(properties) {
                    return new FlightInfo(properties);
                };

                /**
                 * Encodes the specified FlightInfo message. Does not implicitly {@link arrow.flight.protocol.FlightInfo.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @static
                 * @param {arrow.flight.protocol.IFlightInfo} message FlightInfo message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                FlightInfo.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.schema != null && Object.hasOwnProperty.call(message, "schema"))
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.schema);
                    if (message.flightDescriptor != null && Object.hasOwnProperty.call(message, "flightDescriptor"))
                        $root.arrow.flight.protocol.FlightDescriptor.encode(message.flightDescriptor, writer.uint32(/* id 2, wireType 2 =*/18).fork(), q + 1).ldelim();
                    if (message.endpoint != null && message.endpoint.length)
                        for (var i = 0; i < message.endpoint.length; ++i)
                            $root.arrow.flight.protocol.FlightEndpoint.encode(message.endpoint[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
                    if (message.totalRecords != null && Object.hasOwnProperty.call(message, "totalRecords"))
                        writer.uint32(/* id 4, wireType 0 =*/32).int64(message.totalRecords);
                    if (message.totalBytes != null && Object.hasOwnProperty.call(message, "totalBytes"))
                        writer.uint32(/* id 5, wireType 0 =*/40).int64(message.totalBytes);
                    if (message.ordered != null && Object.hasOwnProperty.call(message, "ordered"))
                        writer.uint32(/* id 6, wireType 0 =*/48).bool(message.ordered);
                    if (message.appMetadata != null && Object.hasOwnProperty.call(message, "appMetadata"))
                        writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.appMetadata);
                    return writer;
                };

                /**
                 * Decodes a FlightInfo message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.FlightInfo} FlightInfo
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                FlightInfo.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.FlightInfo();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.schema = reader.bytes();
                                break;
                            }
                        case 2: {
                                message.flightDescriptor = $root.arrow.flight.protocol.FlightDescriptor.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        case 3: {
                                if (!(message.endpoint && message.endpoint.length))
                                    message.endpoint = [];
                                message.endpoint.push($root.arrow.flight.protocol.FlightEndpoint.decode(reader, reader.uint32(), undefined, long + 1));
                                break;
                            }
                        case 4: {
                                message.totalRecords = $toNumber(reader.int64());
                                break;
                            }
                        case 5: {
                                message.totalBytes = $toNumber(reader.int64());
                                break;
                            }
                        case 6: {
                                message.ordered = reader.bool();
                                break;
                            }
                        case 7: {
                                message.appMetadata = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for FlightInfo
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.FlightInfo
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                FlightInfo.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.FlightInfo";
                };

                return FlightInfo;
            })();

            protocol.PollInfo = (function() {

                /**
                 * Properties of a PollInfo.
                 * @memberof arrow.flight.protocol
                 * @interface IPollInfo
                 * @property {arrow.flight.protocol.IFlightInfo|null} [info] PollInfo info
                 * @property {arrow.flight.protocol.IFlightDescriptor|null} [flightDescriptor] PollInfo flightDescriptor
                 * @property {number|null} [progress] PollInfo progress
                 * @property {google.protobuf.ITimestamp|null} [expirationTime] PollInfo expirationTime
                 */

                /**
                 * Constructs a new PollInfo.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a PollInfo.
                 * @implements IPollInfo
                 * @constructor
                 * @param {arrow.flight.protocol.IPollInfo=} [properties] Properties to set
                 */
                function PollInfo(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * PollInfo info.
                 * @member {arrow.flight.protocol.IFlightInfo|null|undefined} info
                 * @memberof arrow.flight.protocol.PollInfo
                 * @instance
                 */
                PollInfo.prototype.info = null;

                /**
                 * PollInfo flightDescriptor.
                 * @member {arrow.flight.protocol.IFlightDescriptor|null|undefined} flightDescriptor
                 * @memberof arrow.flight.protocol.PollInfo
                 * @instance
                 */
                PollInfo.prototype.flightDescriptor = null;

                /**
                 * PollInfo progress.
                 * @member {number|null|undefined} progress
                 * @memberof arrow.flight.protocol.PollInfo
                 * @instance
                 */
                PollInfo.prototype.progress = null;

                /**
                 * PollInfo expirationTime.
                 * @member {google.protobuf.ITimestamp|null|undefined} expirationTime
                 * @memberof arrow.flight.protocol.PollInfo
                 * @instance
                 */
                PollInfo.prototype.expirationTime = null;

                // OneOf field names bound to virtual getters and setters
                var $oneOfFields;

                // Virtual OneOf for proto3 optional field
                Object.defineProperty(PollInfo.prototype, "_progress", {
                    get: $util.oneOfGetter($oneOfFields = ["progress"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                /**
                 * Creates a new PollInfo instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.PollInfo
                 * @static
                 * @param {arrow.flight.protocol.IPollInfo=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.PollInfo} PollInfo instance
                 */
                PollInfo.create = function create(properties) {
                    return new PollInfo(properties);
                };

                /**
                 * Encodes the specified PollInfo message. Does not implicitly {@link arrow.flight.protocol.PollInfo.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.PollInfo
                 * @static
                 * @param {arrow.flight.protocol.IPollInfo} message PollInfo message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                PollInfo.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.info != null && Object.hasOwnProperty.call(message, "info"))
                        $root.arrow.flight.protocol.FlightInfo.encode(message.info, writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                    if (message.flightDescriptor != null && Object.hasOwnProperty.call(message, "flightDescriptor"))
                        $root.arrow.flight.protocol.FlightDescriptor.encode(message.flightDescriptor, writer.uint32(/* id 2, wireType 2 =*/18).fork(), q + 1).ldelim();
                    if (message.progress != null && Object.hasOwnProperty.call(message, "progress"))
                        writer.uint32(/* id 3, wireType 1 =*/25).double(message.progress);
                    if (message.expirationTime != null && Object.hasOwnProperty.call(message, "expirationTime"))
                        $root.google.protobuf.Timestamp.encode(message.expirationTime, writer.uint32(/* id 4, wireType 2 =*/34).fork(), q + 1).ldelim();
                    return writer;
                };

                /**
                 * Decodes a PollInfo message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.PollInfo
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.PollInfo} PollInfo
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                PollInfo.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.PollInfo();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.info = $root.arrow.flight.protocol.FlightInfo.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        case 2: {
                                message.flightDescriptor = $root.arrow.flight.protocol.FlightDescriptor.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        case 3: {
                                message.progress = reader.double();
                                break;
                            }
                        case 4: {
                                message.expirationTime = $root.google.protobuf.Timestamp.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for PollInfo
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.PollInfo
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                PollInfo.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.PollInfo";
                };

                return PollInfo;
            })();

            protocol.CancelFlightInfoRequest = (function() {

                /**
                 * Properties of a CancelFlightInfoRequest.
                 * @memberof arrow.flight.protocol
                 * @interface ICancelFlightInfoRequest
                 * @property {arrow.flight.protocol.IFlightInfo|null} [info] CancelFlightInfoRequest info
                 */

                /**
                 * Constructs a new CancelFlightInfoRequest.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a CancelFlightInfoRequest.
                 * @implements ICancelFlightInfoRequest
                 * @constructor
                 * @param {arrow.flight.protocol.ICancelFlightInfoRequest=} [properties] Properties to set
                 */
                function CancelFlightInfoRequest(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * CancelFlightInfoRequest info.
                 * @member {arrow.flight.protocol.IFlightInfo|null|undefined} info
                 * @memberof arrow.flight.protocol.CancelFlightInfoRequest
                 * @instance
                 */
                CancelFlightInfoRequest.prototype.info = null;

                /**
                 * Creates a new CancelFlightInfoRequest instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.CancelFlightInfoRequest
                 * @static
                 * @param {arrow.flight.protocol.ICancelFlightInfoRequest=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.CancelFlightInfoRequest} CancelFlightInfoRequest instance
                 */
                CancelFlightInfoRequest.create = function create(properties) {
                    return new CancelFlightInfoRequest(properties);
                };

                /**
                 * Encodes the specified CancelFlightInfoRequest message. Does not implicitly {@link arrow.flight.protocol.CancelFlightInfoRequest.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.CancelFlightInfoRequest
                 * @static
                 * @param {arrow.flight.protocol.ICancelFlightInfoRequest} message CancelFlightInfoRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                CancelFlightInfoRequest.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.info != null && Object.hasOwnProperty.call(message, "info"))
                        $root.arrow.flight.protocol.FlightInfo.encode(message.info, writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                    return writer;
                };

                /**
                 * Decodes a CancelFlightInfoRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.CancelFlightInfoRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.CancelFlightInfoRequest} CancelFlightInfoRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                CancelFlightInfoRequest.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.CancelFlightInfoRequest();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.info = $root.arrow.flight.protocol.FlightInfo.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for CancelFlightInfoRequest
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.CancelFlightInfoRequest
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                CancelFlightInfoRequest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.CancelFlightInfoRequest";
                };

                return CancelFlightInfoRequest;
            })();

            /**
             * CancelStatus enum.
             * @name arrow.flight.protocol.CancelStatus
             * @enum {number}
             * @property {number} CANCEL_STATUS_UNSPECIFIED=0 CANCEL_STATUS_UNSPECIFIED value
             * @property {number} CANCEL_STATUS_CANCELLED=1 CANCEL_STATUS_CANCELLED value
             * @property {number} CANCEL_STATUS_CANCELLING=2 CANCEL_STATUS_CANCELLING value
             * @property {number} CANCEL_STATUS_NOT_CANCELLABLE=3 CANCEL_STATUS_NOT_CANCELLABLE value
             */
            protocol.CancelStatus = (function() {
                var valuesById = {}, values = Object.create(valuesById);
                values[valuesById[0] = "CANCEL_STATUS_UNSPECIFIED"] = 0;
                values[valuesById[1] = "CANCEL_STATUS_CANCELLED"] = 1;
                values[valuesById[2] = "CANCEL_STATUS_CANCELLING"] = 2;
                values[valuesById[3] = "CANCEL_STATUS_NOT_CANCELLABLE"] = 3;
                return values;
            })();

            protocol.CancelFlightInfoResult = (function() {

                /**
                 * Properties of a CancelFlightInfoResult.
                 * @memberof arrow.flight.protocol
                 * @interface ICancelFlightInfoResult
                 * @property {arrow.flight.protocol.CancelStatus|null} [status] CancelFlightInfoResult status
                 */

                /**
                 * Constructs a new CancelFlightInfoResult.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a CancelFlightInfoResult.
                 * @implements ICancelFlightInfoResult
                 * @constructor
                 * @param {arrow.flight.protocol.ICancelFlightInfoResult=} [properties] Properties to set
                 */
                function CancelFlightInfoResult(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * CancelFlightInfoResult status.
                 * @member {arrow.flight.protocol.CancelStatus} status
                 * @memberof arrow.flight.protocol.CancelFlightInfoResult
                 * @instance
                 */
                CancelFlightInfoResult.prototype.status = 0;

                /**
                 * Creates a new CancelFlightInfoResult instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.CancelFlightInfoResult
                 * @static
                 * @param {arrow.flight.protocol.ICancelFlightInfoResult=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.CancelFlightInfoResult} CancelFlightInfoResult instance
                 */
                CancelFlightInfoResult.create = function create(properties) {
                    return new CancelFlightInfoResult(properties);
                };

                /**
                 * Encodes the specified CancelFlightInfoResult message. Does not implicitly {@link arrow.flight.protocol.CancelFlightInfoResult.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.CancelFlightInfoResult
                 * @static
                 * @param {arrow.flight.protocol.ICancelFlightInfoResult} message CancelFlightInfoResult message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                CancelFlightInfoResult.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.status != null && Object.hasOwnProperty.call(message, "status"))
                        writer.uint32(/* id 1, wireType 0 =*/8).int32(message.status);
                    return writer;
                };

                /**
                 * Decodes a CancelFlightInfoResult message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.CancelFlightInfoResult
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.CancelFlightInfoResult} CancelFlightInfoResult
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                CancelFlightInfoResult.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.CancelFlightInfoResult();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.status = reader.int32();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for CancelFlightInfoResult
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.CancelFlightInfoResult
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                CancelFlightInfoResult.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.CancelFlightInfoResult";
                };

                return CancelFlightInfoResult;
            })();

            protocol.Ticket = (function() {

                /**
                 * Properties of a Ticket.
                 * @memberof arrow.flight.protocol
                 * @interface ITicket
                 * @property {Uint8Array|null} [ticket] Ticket ticket
                 */

                /**
                 * Constructs a new Ticket.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a Ticket.
                 * @implements ITicket
                 * @constructor
                 * @param {arrow.flight.protocol.ITicket=} [properties] Properties to set
                 */
                function Ticket(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * Ticket ticket.
                 * @member {Uint8Array} ticket
                 * @memberof arrow.flight.protocol.Ticket
                 * @instance
                 */
                Ticket.prototype.ticket = $util.newBuffer([]);

                /**
                 * Creates a new Ticket instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.Ticket
                 * @static
                 * @param {arrow.flight.protocol.ITicket=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.Ticket} Ticket instance
                 */
                Ticket.create = function create(properties) {
                    return new Ticket(properties);
                };

                /**
                 * Encodes the specified Ticket message. Does not implicitly {@link arrow.flight.protocol.Ticket.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.Ticket
                 * @static
                 * @param {arrow.flight.protocol.ITicket} message Ticket message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Ticket.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.ticket != null && Object.hasOwnProperty.call(message, "ticket"))
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.ticket);
                    return writer;
                };

                /**
                 * Decodes a Ticket message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.Ticket
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.Ticket} Ticket
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Ticket.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.Ticket();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.ticket = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for Ticket
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.Ticket
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                Ticket.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.Ticket";
                };

                return Ticket;
            })();

            protocol.Location = (function() {

                /**
                 * Properties of a Location.
                 * @memberof arrow.flight.protocol
                 * @interface ILocation
                 * @property {string|null} [uri] Location uri
                 */

                /**
                 * Constructs a new Location.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a Location.
                 * @implements ILocation
                 * @constructor
                 * @param {arrow.flight.protocol.ILocation=} [properties] Properties to set
                 */
                function Location(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * Location uri.
                 * @member {string} uri
                 * @memberof arrow.flight.protocol.Location
                 * @instance
                 */
                Location.prototype.uri = "";

                /**
                 * Creates a new Location instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.Location
                 * @static
                 * @param {arrow.flight.protocol.ILocation=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.Location} Location instance
                 */
                Location.create = function create(properties) {
                    return new Location(properties);
                };

                /**
                 * Encodes the specified Location message. Does not implicitly {@link arrow.flight.protocol.Location.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.Location
                 * @static
                 * @param {arrow.flight.protocol.ILocation} message Location message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Location.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.uri != null && Object.hasOwnProperty.call(message, "uri"))
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.uri);
                    return writer;
                };

                /**
                 * Decodes a Location message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.Location
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.Location} Location
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Location.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.Location();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.uri = reader.string();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for Location
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.Location
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                Location.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.Location";
                };

                return Location;
            })();

            protocol.FlightEndpoint = (function() {

                /**
                 * Properties of a FlightEndpoint.
                 * @memberof arrow.flight.protocol
                 * @interface IFlightEndpoint
                 * @property {arrow.flight.protocol.ITicket|null} [ticket] FlightEndpoint ticket
                 * @property {Array.<arrow.flight.protocol.ILocation>|null} [location] FlightEndpoint location
                 * @property {google.protobuf.ITimestamp|null} [expirationTime] FlightEndpoint expirationTime
                 * @property {Uint8Array|null} [appMetadata] FlightEndpoint appMetadata
                 */

                /**
                 * Constructs a new FlightEndpoint.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a FlightEndpoint.
                 * @implements IFlightEndpoint
                 * @constructor
                 * @param {arrow.flight.protocol.IFlightEndpoint=} [properties] Properties to set
                 */
                function FlightEndpoint(properties) {
                    this.location = [];
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * FlightEndpoint ticket.
                 * @member {arrow.flight.protocol.ITicket|null|undefined} ticket
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @instance
                 */
                FlightEndpoint.prototype.ticket = null;

                /**
                 * FlightEndpoint location.
                 * @member {Array.<arrow.flight.protocol.ILocation>} location
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @instance
                 */
                FlightEndpoint.prototype.location = $util.emptyArray;

                /**
                 * FlightEndpoint expirationTime.
                 * @member {google.protobuf.ITimestamp|null|undefined} expirationTime
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @instance
                 */
                FlightEndpoint.prototype.expirationTime = null;

                /**
                 * FlightEndpoint appMetadata.
                 * @member {Uint8Array} appMetadata
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @instance
                 */
                FlightEndpoint.prototype.appMetadata = $util.newBuffer([]);

                /**
                 * Creates a new FlightEndpoint instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @static
                 * @param {arrow.flight.protocol.IFlightEndpoint=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.FlightEndpoint} FlightEndpoint instance
                 */
                FlightEndpoint.create = function create(properties) {
                    return new FlightEndpoint(properties);
                };

                /**
                 * Encodes the specified FlightEndpoint message. Does not implicitly {@link arrow.flight.protocol.FlightEndpoint.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @static
                 * @param {arrow.flight.protocol.IFlightEndpoint} message FlightEndpoint message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                FlightEndpoint.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.ticket != null && Object.hasOwnProperty.call(message, "ticket"))
                        $root.arrow.flight.protocol.Ticket.encode(message.ticket, writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                    if (message.location != null && message.location.length)
                        for (var i = 0; i < message.location.length; ++i)
                            $root.arrow.flight.protocol.Location.encode(message.location[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), q + 1).ldelim();
                    if (message.expirationTime != null && Object.hasOwnProperty.call(message, "expirationTime"))
                        $root.google.protobuf.Timestamp.encode(message.expirationTime, writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
                    if (message.appMetadata != null && Object.hasOwnProperty.call(message, "appMetadata"))
                        writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.appMetadata);
                    return writer;
                };

                /**
                 * Decodes a FlightEndpoint message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.FlightEndpoint} FlightEndpoint
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                FlightEndpoint.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.FlightEndpoint();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.ticket = $root.arrow.flight.protocol.Ticket.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        case 2: {
                                if (!(message.location && message.location.length))
                                    message.location = [];
                                message.location.push($root.arrow.flight.protocol.Location.decode(reader, reader.uint32(), undefined, long + 1));
                                break;
                            }
                        case 3: {
                                message.expirationTime = $root.google.protobuf.Timestamp.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        case 4: {
                                message.appMetadata = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for FlightEndpoint
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.FlightEndpoint
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                FlightEndpoint.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.FlightEndpoint";
                };

                return FlightEndpoint;
            })();

            protocol.RenewFlightEndpointRequest = (function() {

                /**
                 * Properties of a RenewFlightEndpointRequest.
                 * @memberof arrow.flight.protocol
                 * @interface IRenewFlightEndpointRequest
                 * @property {arrow.flight.protocol.IFlightEndpoint|null} [endpoint] RenewFlightEndpointRequest endpoint
                 */

                /**
                 * Constructs a new RenewFlightEndpointRequest.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a RenewFlightEndpointRequest.
                 * @implements IRenewFlightEndpointRequest
                 * @constructor
                 * @param {arrow.flight.protocol.IRenewFlightEndpointRequest=} [properties] Properties to set
                 */
                function RenewFlightEndpointRequest(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * RenewFlightEndpointRequest endpoint.
                 * @member {arrow.flight.protocol.IFlightEndpoint|null|undefined} endpoint
                 * @memberof arrow.flight.protocol.RenewFlightEndpointRequest
                 * @instance
                 */
                RenewFlightEndpointRequest.prototype.endpoint = null;

                /**
                 * Creates a new RenewFlightEndpointRequest instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.RenewFlightEndpointRequest
                 * @static
                 * @param {arrow.flight.protocol.IRenewFlightEndpointRequest=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.RenewFlightEndpointRequest} RenewFlightEndpointRequest instance
                 */
                RenewFlightEndpointRequest.create = function create(properties) {
                    return new RenewFlightEndpointRequest(properties);
                };

                /**
                 * Encodes the specified RenewFlightEndpointRequest message. Does not implicitly {@link arrow.flight.protocol.RenewFlightEndpointRequest.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.RenewFlightEndpointRequest
                 * @static
                 * @param {arrow.flight.protocol.IRenewFlightEndpointRequest} message RenewFlightEndpointRequest message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                RenewFlightEndpointRequest.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.endpoint != null && Object.hasOwnProperty.call(message, "endpoint"))
                        $root.arrow.flight.protocol.FlightEndpoint.encode(message.endpoint, writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                    return writer;
                };

                /**
                 * Decodes a RenewFlightEndpointRequest message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.RenewFlightEndpointRequest
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.RenewFlightEndpointRequest} RenewFlightEndpointRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                RenewFlightEndpointRequest.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.RenewFlightEndpointRequest();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.endpoint = $root.arrow.flight.protocol.FlightEndpoint.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for RenewFlightEndpointRequest
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.RenewFlightEndpointRequest
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                RenewFlightEndpointRequest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.RenewFlightEndpointRequest";
                };

                return RenewFlightEndpointRequest;
            })();

            protocol.FlightData = (function() {

                /**
                 * Properties of a FlightData.
                 * @memberof arrow.flight.protocol
                 * @interface IFlightData
                 * @property {arrow.flight.protocol.IFlightDescriptor|null} [flightDescriptor] FlightData flightDescriptor
                 * @property {Uint8Array|null} [dataHeader] FlightData dataHeader
                 * @property {Uint8Array|null} [appMetadata] FlightData appMetadata
                 * @property {Uint8Array|null} [dataBody] FlightData dataBody
                 */

                /**
                 * Constructs a new FlightData.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a FlightData.
                 * @implements IFlightData
                 * @constructor
                 * @param {arrow.flight.protocol.IFlightData=} [properties] Properties to set
                 */
                function FlightData(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * FlightData flightDescriptor.
                 * @member {arrow.flight.protocol.IFlightDescriptor|null|undefined} flightDescriptor
                 * @memberof arrow.flight.protocol.FlightData
                 * @instance
                 */
                FlightData.prototype.flightDescriptor = null;

                /**
                 * FlightData dataHeader.
                 * @member {Uint8Array} dataHeader
                 * @memberof arrow.flight.protocol.FlightData
                 * @instance
                 */
                FlightData.prototype.dataHeader = $util.newBuffer([]);

                /**
                 * FlightData appMetadata.
                 * @member {Uint8Array} appMetadata
                 * @memberof arrow.flight.protocol.FlightData
                 * @instance
                 */
                FlightData.prototype.appMetadata = $util.newBuffer([]);

                /**
                 * FlightData dataBody.
                 * @member {Uint8Array} dataBody
                 * @memberof arrow.flight.protocol.FlightData
                 * @instance
                 */
                FlightData.prototype.dataBody = $util.newBuffer([]);

                /**
                 * Creates a new FlightData instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.FlightData
                 * @static
                 * @param {arrow.flight.protocol.IFlightData=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.FlightData} FlightData instance
                 */
                FlightData.create = function create(properties) {
                    return new FlightData(properties);
                };

                /**
                 * Encodes the specified FlightData message. Does not implicitly {@link arrow.flight.protocol.FlightData.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.FlightData
                 * @static
                 * @param {arrow.flight.protocol.IFlightData} message FlightData message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                FlightData.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.flightDescriptor != null && Object.hasOwnProperty.call(message, "flightDescriptor"))
                        $root.arrow.flight.protocol.FlightDescriptor.encode(message.flightDescriptor, writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                    if (message.dataHeader != null && Object.hasOwnProperty.call(message, "dataHeader"))
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.dataHeader);
                    if (message.appMetadata != null && Object.hasOwnProperty.call(message, "appMetadata"))
                        writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.appMetadata);
                    if (message.dataBody != null && Object.hasOwnProperty.call(message, "dataBody"))
                        writer.uint32(/* id 1000, wireType 2 =*/8002).bytes(message.dataBody);
                    return writer;
                };

                /**
                 * Decodes a FlightData message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.FlightData
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.FlightData} FlightData
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                FlightData.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.FlightData();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.flightDescriptor = $root.arrow.flight.protocol.FlightDescriptor.decode(reader, reader.uint32(), undefined, long + 1);
                                break;
                            }
                        case 2: {
                                message.dataHeader = reader.bytes();
                                break;
                            }
                        case 3: {
                                message.appMetadata = reader.bytes();
                                break;
                            }
                        case 1000: {
                                message.dataBody = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for FlightData
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.FlightData
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                FlightData.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.FlightData";
                };

                return FlightData;
            })();

            protocol.PutResult = (function() {

                /**
                 * Properties of a PutResult.
                 * @memberof arrow.flight.protocol
                 * @interface IPutResult
                 * @property {Uint8Array|null} [appMetadata] PutResult appMetadata
                 */

                /**
                 * Constructs a new PutResult.
                 * @memberof arrow.flight.protocol
                 * @classdesc Represents a PutResult.
                 * @implements IPutResult
                 * @constructor
                 * @param {arrow.flight.protocol.IPutResult=} [properties] Properties to set
                 */
                function PutResult(properties) {
                    if (properties)
                        for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                }

                /**
                 * PutResult appMetadata.
                 * @member {Uint8Array} appMetadata
                 * @memberof arrow.flight.protocol.PutResult
                 * @instance
                 */
                PutResult.prototype.appMetadata = $util.newBuffer([]);

                /**
                 * Creates a new PutResult instance using the specified properties.
                 * @function create
                 * @memberof arrow.flight.protocol.PutResult
                 * @static
                 * @param {arrow.flight.protocol.IPutResult=} [properties] Properties to set
                 * @returns {arrow.flight.protocol.PutResult} PutResult instance
                 */
                PutResult.create = function create(properties) {
                    return new PutResult(properties);
                };

                /**
                 * Encodes the specified PutResult message. Does not implicitly {@link arrow.flight.protocol.PutResult.verify|verify} messages.
                 * @function encode
                 * @memberof arrow.flight.protocol.PutResult
                 * @static
                 * @param {arrow.flight.protocol.IPutResult} message PutResult message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                PutResult.encode = function encode(message, writer, q) {
                    if (!writer)
                        writer = $Writer.create();
                    if (q === undefined)
                        q = 0;
                    if (q > $util.recursionLimit)
                        throw Error("max depth exceeded");
                    if (message.appMetadata != null && Object.hasOwnProperty.call(message, "appMetadata"))
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.appMetadata);
                    return writer;
                };

                /**
                 * Decodes a PutResult message from the specified reader or buffer.
                 * @function decode
                 * @memberof arrow.flight.protocol.PutResult
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {arrow.flight.protocol.PutResult} PutResult
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                PutResult.decode = function decode(reader, length, error, long) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (long === undefined)
                        long = 0;
                    if (long > $Reader.recursionLimit)
                        throw Error("maximum nesting depth exceeded");
                    var end, message;
                    if (length === undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = new $root.arrow.flight.protocol.PutResult();
                    while (reader.pos < end) {
                        var tag = reader.uint32();
                        if (tag === error)
                            break;
                        switch (tag >>> 3) {
                        case 1: {
                                message.appMetadata = reader.bytes();
                                break;
                            }
                        default:
                            reader.skipType(tag & 7, long);
                            break;
                        }
                    }
                    if (length !== undefined) {
                        if (reader.pos !== end)
                            throw RangeError("index out of range");
                        reader.len = length;
                    }
                    return message;
                };

                /**
                 * Gets the default type url for PutResult
                 * @function getTypeUrl
                 * @memberof arrow.flight.protocol.PutResult
                 * @static
                 * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
                 * @returns {string} The default type url
                 */
                PutResult.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                    if (typeUrlPrefix === undefined) {
                        typeUrlPrefix = "type.googleapis.com";
                    }
                    return typeUrlPrefix + "/arrow.flight.protocol.PutResult";
                };

                return PutResult;
            })();

            return protocol;
        })();

        return flight;
    })();

    return arrow;
})();

$root.google = (function() {

    /**
     * Namespace google.
     * @exports google
     * @namespace
     */
    var google = {};

    google.protobuf = (function() {

        /**
         * Namespace protobuf.
         * @memberof google
         * @namespace
         */
        var protobuf = {};

        protobuf.Timestamp = (function() {

            /**
             * Properties of a Timestamp.
             * @memberof google.protobuf
             * @interface ITimestamp
             * @property {number|null} [seconds] Timestamp seconds
             * @property {number|null} [nanos] Timestamp nanos
             */

            /**
             * Constructs a new Timestamp.
             * @memberof google.protobuf
             * @classdesc Represents a Timestamp.
             * @implements ITimestamp
             * @constructor
             * @param {google.protobuf.ITimestamp=} [properties] Properties to set
             */
            function Timestamp(properties) {
                if (properties)
                    for (var keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * Timestamp seconds.
             * @member {number} seconds
             * @memberof google.protobuf.Timestamp
             * @instance
             */
            Timestamp.prototype.seconds = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * Timestamp nanos.
             * @member {number} nanos
             * @memberof google.protobuf.Timestamp
             * @instance
             */
            Timestamp.prototype.nanos = 0;

            /**
             * Creates a new Timestamp instance using the specified properties.
             * @function create
             * @memberof google.protobuf.Timestamp
             * @static
             * @param {google.protobuf.ITimestamp=} [properties] Properties to set
             * @returns {google.protobuf.Timestamp} Timestamp instance
             */
            Timestamp.create = function create(properties) {
                return new Timestamp(properties);
            };

            /**
             * Encodes the specified Timestamp message. Does not implicitly {@link google.protobuf.Timestamp.verify|verify} messages.
             * @function encode
             * @memberof google.protobuf.Timestamp
             * @static
             * @param {google.protobuf.ITimestamp} message Timestamp message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Timestamp.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.seconds != null && Object.hasOwnProperty.call(message, "seconds"))
                    writer.uint32(/* id 1, wireType 0 =*/8).int64(message.seconds);
                if (message.nanos != null && Object.hasOwnProperty.call(message, "nanos"))
                    writer.uint32(/* id 2, wireType 0 =*/16).int32(message.nanos);
                return writer;
            };

            /**
             * Decodes a Timestamp message from the specified reader or buffer.
             * @function decode
             * @memberof google.protobuf.Timestamp
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {google.protobuf.Timestamp} Timestamp
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Timestamp.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                var end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.google.protobuf.Timestamp();
                while (reader.pos < end) {
                    var tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.seconds = $toNumber(reader.int64());
                            break;
                        }
                    case 2: {
                            message.nanos = reader.int32();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for Timestamp
             * @function getTypeUrl
             * @memberof google.protobuf.Timestamp
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            Timestamp.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/google.protobuf.Timestamp";
            };

            return Timestamp;
        })();

        return protobuf;
    })();

    return google;
})();

module.exports = $root;

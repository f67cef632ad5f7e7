// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ReceiptRegistry
/// @notice Anchors the hashes of datavault job receipts on chain, once each. A receipt is signed
/// off chain by the compute node (EIP-712); anchoring it here gives owners and buyers a public,
/// timestamped record that this node vouched for it, without putting any receipt content on chain.
contract ReceiptRegistry {
    struct Anchor {
        address node;
        uint64 timestamp;
    }

    mapping(bytes32 => Anchor) private _anchors;

    /// @notice A receipt hash was anchored by `node` (the sender) at block time `timestamp`.
    event ReceiptAnchored(bytes32 indexed receiptHash, address indexed node, uint256 timestamp);

    /// @notice The hash was anchored before; a receipt is anchored once.
    error ReceiptAlreadyAnchored(bytes32 receiptHash, address node, uint256 timestamp);

    /// @notice The zero hash is not a receipt hash.
    error EmptyReceiptHash();

    /// @notice Anchors `receiptHash` for the sender. Reverts if it was anchored before.
    function anchor(bytes32 receiptHash) external {
        if (receiptHash == bytes32(0)) revert EmptyReceiptHash();
        Anchor memory existing = _anchors[receiptHash];
        if (existing.node != address(0)) {
            revert ReceiptAlreadyAnchored(receiptHash, existing.node, existing.timestamp);
        }
        _anchors[receiptHash] = Anchor({node: msg.sender, timestamp: uint64(block.timestamp)});
        emit ReceiptAnchored(receiptHash, msg.sender, block.timestamp);
    }

    /// @notice Who anchored `receiptHash` and when; `(address(0), 0)` if it never was.
    function anchorOf(bytes32 receiptHash) external view returns (address node, uint256 timestamp) {
        Anchor memory existing = _anchors[receiptHash];
        return (existing.node, existing.timestamp);
    }
}
